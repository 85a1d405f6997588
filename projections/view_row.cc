#include "projections/view_row.h"

#include <charconv>

namespace aftercare {

namespace {
constexpr std::string_view kVersion = ",\"version\":";
}

std::string view_json(std::string_view state, uint64_t version) {
  std::string out(state.substr(0, state.size() - 1));
  out += kVersion;
  out += std::to_string(version);
  out.push_back('}');
  return out;
}

std::optional<ViewRow> split_view(std::string_view row) {
  const size_t at = row.rfind(kVersion);
  if (at == std::string_view::npos || row.size() < at + kVersion.size() + 2 || row.back() != '}')
    return std::nullopt;
  ViewRow v;
  const char* first = row.data() + at + kVersion.size();
  const char* last = row.data() + row.size() - 1;
  auto [p, ec] = std::from_chars(first, last, v.version);
  if (ec != std::errc() || p != last) return std::nullopt;
  v.state = std::string(row.substr(0, at)) + "}";
  return v;
}

}  // namespace aftercare
