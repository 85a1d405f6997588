// Structured logging: one JSON object per line on stderr.
//
//   log_info("append.failed", {{"partition", "3"}, {"error", s.message()}});
//
// Thread-safe; a line is written with one write(2) so lines never interleave.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace aftercare {

using LogField = std::pair<std::string_view, std::string_view>;

enum class LogLevel { debug, info, warn, error };

void log_write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields);
void set_log_level(LogLevel min_level);

inline void log_info(std::string_view event, std::initializer_list<LogField> fields = {}) {
  log_write(LogLevel::info, event, fields);
}
inline void log_warn(std::string_view event, std::initializer_list<LogField> fields = {}) {
  log_write(LogLevel::warn, event, fields);
}
inline void log_error(std::string_view event, std::initializer_list<LogField> fields = {}) {
  log_write(LogLevel::error, event, fields);
}

}  // namespace aftercare
