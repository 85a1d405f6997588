// `aftercare recover-log`: the operator's way forward when the embedded log
// is damaged before its end (docs/operations.md). Keeps a copy of the
// damaged log, keeps every record before the damage, and sets the read
// models aside so the next `serve` rebuilds them from what was kept.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "app/cli.h"
#include "app/data_dir_lock.h"
#include "eventstore/embedded_log.h"

namespace aftercare {
namespace {

constexpr const char* kRecoverHelp =
    "usage: aftercare recover-log [--data DIR]\n"
    "\n"
    "When `serve` refuses a damaged embedded log: copies DIR/log to\n"
    "DIR/log.damaged-<time>, keeps the records before the first damaged one\n"
    "(everything after it is lost), and moves DIR/views, DIR/state and\n"
    "DIR/process to <name>.stale-<time>, so that the next `serve` rebuilds the\n"
    "read models and the write side's state from the log, and its process\n"
    "managers read it again from the start (their follow-ups are answered as\n"
    "retries, never repeated). Prefer\n"
    "restoring DIR/log from a backup if you have one. Stop `serve` first.\n"
    "  --data  data directory (env AFTERCARE_DATA; default ./data)\n";

int fail(const std::string& what) {
  std::fprintf(stderr, "aftercare recover-log: %s\n", what.c_str());
  return 1;
}

int64_t total_records(EventLog& log) {
  int64_t n = 0;
  for (Topic t : kAllTopics)
    for (int32_t p = 0; p < log.partition_count(); ++p) {
      auto end = log.end_offset({t, p});
      if (end) n += *end;
    }
  return n;
}

}  // namespace

int recover_log_main(const std::vector<std::string>& argv) {
  Args args(argv, {"data"}, {"help"});
  if (args.has("help")) return std::fputs(kRecoverHelp, stdout), 0;
  if (!args.ok() || !args.positional().empty()) return fail((args.ok() ? "unexpected argument" : args.error()) + "\n\n" + kRecoverHelp);
  namespace fs = std::filesystem;
  const std::string data = args.get("data", "AFTERCARE_DATA", "./data");
  if (!fs::exists(data + "/log")) return fail("no embedded log in " + data + "/log");
  DataDirLock lock;
  if (Status s = lock.acquire(data); !s) return fail(s.message());
  if (EmbeddedLog::open({.dir = data + "/log", .read_only = true}))
    return fail("the log in " + data + "/log is not damaged: nothing to recover");

  const std::string stamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::error_code ec;
  fs::copy(data + "/log", data + "/log.damaged-" + stamp, fs::copy_options::recursive, ec);
  if (ec) return fail("cannot keep a copy of the damaged log: " + ec.message());
  auto log = EmbeddedLog::open({.dir = data + "/log", .keep_records_before_damage = true});
  if (!log) return fail(log.status().message());
  const int64_t kept = total_records(**log);
  (*log)->close();
  // All were built from records that are gone now. A process manager's
  // checkpoint past the new end would skip the records written there next.
  for (const char* derived : {"views", "state", "process"}) {
    if (!fs::exists(data + "/" + derived)) continue;
    fs::rename(data + "/" + derived, data + "/" + derived + ".stale-" + stamp, ec);
    if (ec) return fail("cannot move " + data + "/" + derived + " aside: " + ec.message());
  }
  std::printf("kept %lld records before the damage in %s/log (the damaged log is in %s/log.damaged-%s);\n"
              "the read models, the write side's state and the process managers' checkpoints were\n"
              "moved to %s/views.stale-%s, state.stale-%s and process.stale-* and are rebuilt when serve starts.\n"
              "Next: aftercare audit --verify-chains --data %s, then aftercare serve --data %s\n",
              static_cast<long long>(kept), data.c_str(), data.c_str(), stamp.c_str(), data.c_str(), stamp.c_str(),
              stamp.c_str(), data.c_str(), data.c_str());
  return 0;
}

}  // namespace aftercare
