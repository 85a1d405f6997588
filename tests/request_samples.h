// Sample commands shared by the request tests.
#pragma once

#include <optional>
#include <string>

#include "domain/request.h"

namespace aftercare::testing {

// A phone repair request of customer C-1 in the north, due at `required_by`.
inline OpenRequest sample_open(std::optional<Timestamp> required_by, bool suspended = false,
                               const std::string& type = "repair") {
  OpenRequest o;
  o.customer_id = "C-1";
  o.channel = "phone";
  o.type = type;
  o.priority = "normal";
  o.region = "north";
  o.required_by = required_by;
  o.suspended = suspended;
  return o;
}

}  // namespace aftercare::testing
