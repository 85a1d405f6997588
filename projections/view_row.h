// The row format every "current record" read model uses: an aggregate's
// state JSON with its version appended as the last member,
//   {...state...,"version":N}
// so a query returns the row as stored and reads the ETag off its end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aftercare {

std::string view_json(std::string_view state, uint64_t version);

struct ViewRow {
  std::string state;  // the row without its version
  uint64_t version = 0;
};
// nullopt when `row` does not end in ,"version":N}
std::optional<ViewRow> split_view(std::string_view row);

}  // namespace aftercare
