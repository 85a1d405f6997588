// Timestamps as values: milliseconds since the Unix epoch, UTC.
//
// The domain never reads a clock; times arrive as inputs. This header only
// converts between Timestamp and RFC 3339 text ("2026-11-23T08:00:00.123Z").
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aftercare {

struct Timestamp {
  int64_t ms = 0;  // since 1970-01-01T00:00:00Z
  auto operator<=>(const Timestamp&) const = default;
};

// Always UTC, always milliseconds: "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format_rfc3339(Timestamp t);
// Accepts RFC 3339 date-times with 'Z' or a numeric offset and 0..9 fraction
// digits (truncated to milliseconds). Years 0001..9999. nullopt on anything else.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;

}  // namespace aftercare
