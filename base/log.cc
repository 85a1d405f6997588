#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "domain/json.h"
#include "domain/time.h"

namespace aftercare {
namespace {

std::atomic<LogLevel> g_min_level{LogLevel::info};

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

}  // namespace

void set_log_level(LogLevel min_level) { g_min_level = min_level; }

void log_write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (level < g_min_level.load()) return;
  using namespace std::chrono;
  // Logs show wall-clock time on purpose: they describe the process, not the domain.
  const Timestamp now{duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
  JsonWriter w;
  w.begin_object().field("ts", format_rfc3339(now)).field("level", level_name(level));
  w.field("event", event);
  for (const auto& [k, v] : fields) w.field(k, v);
  w.end_object();
  std::string line = w.take();
  line.push_back('\n');
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace aftercare
