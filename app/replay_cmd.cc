// `aftercare replay` and `aftercare audit`.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "app/cli.h"
#include "commands/state_store.h"
#include "domain/kind.h"
#include "eventstore/embedded_log.h"
#include "eventstore/kafka_log.h"
#include "eventstore/quarantine.h"
#include "base/clock.h"
#include "projections/catalog.h"
#include "projections/request_views.h"
#include "projections/runner.h"
#include "replay/replay.h"

namespace aftercare {
namespace {

constexpr const char* kReplayHelp =
    "usage: aftercare replay [--data DIR] [--kafka BOOTSTRAP] [--out DIR] [--verify]\n"
    "\n"
    "Rebuilds every read model from offset 0 of the event log in DIR/log into a\n"
    "fresh directory (--out, default DIR/replay-<time>), showing progress and events/s.\n"
    "  --verify  rebuild exactly up to where the live read models (DIR/views) are and\n"
    "            compare digests; exits 1 naming the first difference. Works while\n"
    "            `serve` runs: the read models' snapshot is taken first, then the log's,\n"
    "            and a snapshot that races a compaction is taken again.\n"
    "  --data    data directory (env AFTERCARE_DATA; default ./data)\n"
    "  --kafka   read the log from Kafka instead of DIR/log (env AFTERCARE_KAFKA)\n";

constexpr const char* kAuditHelp =
    "usage: aftercare audit <id> [--as-of TIME] [--data DIR] [--kafka BOOTSTRAP]\n"
    "       aftercare audit --verify-chains [--data DIR] [--kafka BOOTSTRAP]\n"
    "\n"
    "  <id>             a request id (its request, dispatch and visit events) or a\n"
    "                   master record id; prints the ordered history (type, time, actor,\n"
    "                   command id) and the state as of --as-of (default: now)\n"
    "  --as-of          RFC 3339 time, e.g. 2026-11-23T08:00:00Z\n"
    "  --verify-chains  check every hash chain; exits 1 naming the first broken link\n"
    "  --data           data directory (env AFTERCARE_DATA; default ./data)\n"
    "  --kafka          read the log from Kafka instead of DIR/log (env AFTERCARE_KAFKA)\n";

class ProgressLine {
 public:
  explicit ProgressLine(const char* what) : what_(what), tty_(::isatty(STDERR_FILENO)) {}
  void operator()(int64_t done, int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(tty_ ? 200 : 5000)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    std::fprintf(stderr, "%s%s: %lld/%lld events (%.0f%%), %.0f events/s%s", tty_ ? "\r" : "", what_,
                 static_cast<long long>(done), static_cast<long long>(total),
                 total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0, rate,
                 tty_ ? "   " : "\n");
  }
  void finish() {
    if (tty_) std::fputc('\n', stderr);
  }

 private:
  const char* what_;
  bool tty_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

int fail(const char* cmd, const std::string& what) {
  std::fprintf(stderr, "aftercare %s: %s\n", cmd, what.c_str());
  return 1;
}

// The embedded log as a read-only snapshot (serve may be writing to it), or Kafka.
Result<std::unique_ptr<EventLog>> open_log_snapshot(const Args& args, const std::string& data) {
  const std::string kafka = args.get("kafka", "AFTERCARE_KAFKA", "");
  if (kafka.empty() && !std::filesystem::exists(data + "/log"))
    return Status{Errc::not_found, "no event log in " + data + "/log: pass the data directory of a "
                                   "server with --data (or AFTERCARE_DATA), or --kafka for a Kafka log"};
  if (!kafka.empty()) {
    auto log = KafkaLog::open({.bootstrap = kafka, .client_id = "aftercare-replay"});
    if (!log) return log.status();
    return std::unique_ptr<EventLog>(std::move(log).value());
  }
  auto log = EmbeddedLog::open({.dir = data + "/log", .read_only = true});
  if (!log) return log.status();
  return std::unique_ptr<EventLog>(std::move(log).value());
}

Result<Quarantine> load_quarantine(const std::string& data) {
  auto q = Quarantine::load(data);
  if (q && !q->empty())
    std::fprintf(stderr, "skipping %zu quarantined record(s) listed in %s/quarantine.json\n",
                 q->records().size(), data.c_str());
  return q;
}

}  // namespace

int replay_main(const std::vector<std::string>& argv) {
  Args args(argv, {"data", "out", "kafka"}, {"verify", "help"});
  if (args.has("help")) return std::fputs(kReplayHelp, stdout), 0;
  if (!args.ok() || !args.positional().empty())
    return fail("replay", (args.ok() ? "unexpected argument" : args.error()) + "\n\n" + kReplayHelp);
  const std::string data = args.get("data", "AFTERCARE_DATA", "./data");
  const std::string out = args.get("out", nullptr,
                                   data + "/replay-" + std::to_string(::time(nullptr)) + "-" +
                                       std::to_string(::getpid()));
  // The read models' snapshot before the log's (verify_against_live()).
  std::unique_ptr<ReadStore> live;
  if (args.has("verify")) {
    auto views = ReadStore::open(data + "/views", make_catalog().family_names(), /*read_only=*/true);
    if (!views) return fail("replay", views.status().message());
    live = std::move(views).value();
  }
  auto log = open_log_snapshot(args, data);
  if (!log) return fail("replay", log.status().message());
  auto quarantine = load_quarantine(data);
  if (!quarantine) return fail("replay", quarantine.status().message());
  ProgressLine progress("replay");
  RebuildReport report;
  if (live) {
    Status s = verify_against_live(**log, *live, out, std::ref(progress), &report, &*quarantine);
    progress.finish();
    std::error_code ec;
    std::filesystem::remove_all(out, ec);  // a verification leaves nothing behind
    if (!s) return fail("replay", s.message());
    std::printf("verified: %lld events rebuilt in %.2f s (%.0f events/s); read models are "
                "byte-identical (digest %s)\n",
                static_cast<long long>(report.events), report.seconds,
                report.seconds > 0 ? static_cast<double>(report.events) / report.seconds : 0.0,
                report.digest.c_str());
    return 0;
  }
  auto rebuilt = rebuild(**log, out, std::ref(progress), std::nullopt, &*quarantine);
  progress.finish();
  if (!rebuilt) return fail("replay", rebuilt.status().message());
  std::printf("rebuilt %lld events in %.2f s (%.0f events/s) into %s\ndigest %s\n",
              static_cast<long long>(rebuilt->events), rebuilt->seconds,
              rebuilt->seconds > 0 ? static_cast<double>(rebuilt->events) / rebuilt->seconds : 0.0,
              out.c_str(), rebuilt->digest.c_str());
  std::printf("rows %lld written (%.1f per event, %.0f rows/s)\n", static_cast<long long>(rebuilt->rows),
              rebuilt->events > 0 ? static_cast<double>(rebuilt->rows) / static_cast<double>(rebuilt->events) : 0.0,
              rebuilt->seconds > 0 ? static_cast<double>(rebuilt->rows) / rebuilt->seconds : 0.0);
  std::printf("thread-seconds: reading the log %.2f, decoding and folding %.2f, writing rows %.2f\n",
              rebuilt->read_seconds, rebuilt->fold_seconds, rebuilt->write_seconds);
  return 0;
}

int audit_main(const std::vector<std::string>& argv) {
  Args args(argv, {"data", "as-of", "kafka"}, {"verify-chains", "help"});
  if (args.has("help")) return std::fputs(kAuditHelp, stdout), 0;
  if (!args.ok()) return fail("audit", args.error() + "\n\n" + kAuditHelp);
  const std::string data = args.get("data", "AFTERCARE_DATA", "./data");
  // The heads' snapshot before the log's: the write side records a head
  // only for events the log already holds, so every head then lies on the
  // log's chains even while a server writes to both.
  Result<std::optional<std::vector<ChainHead>>> heads = std::optional<std::vector<ChainHead>>();
  if (args.has("verify-chains")) heads = StateStore::recorded_heads(data + "/state");
  if (!heads) return fail("audit", heads.status().message());
  // `audit <id>` finds the case through the events index (taken before the
  // log, like the heads): without one it reads the whole partition.
  std::unique_ptr<ReadStore> index;
  if (!args.has("verify-chains")) {
    auto views = ReadStore::open(data + "/views", make_catalog().family_names(), /*read_only=*/true);
    if (views) index = std::move(views).value();
  }
  auto log = open_log_snapshot(args, data);
  if (!log) return fail("audit", log.status().message());
  auto quarantine = load_quarantine(data);
  if (!quarantine) return fail("audit", quarantine.status().message());

  if (args.has("verify-chains")) {
    ProgressLine progress("verify-chains");
    auto report = verify_chains(**log, *heads ? &**heads : nullptr, std::ref(progress), &*quarantine);
    progress.finish();
    if (!report) return fail("audit", report.status().message());
    if (report->first_break) {
      std::printf("BROKEN: %s\n", report->first_break->c_str());
      return 1;
    }
    std::printf("verified %lld events in %lld hash chains: each event decodes to its canonical bytes, "
                "follows its predecessor's sequence and holds its hash (nothing altered, inserted or "
                "removed between the first and the last event of a chain)\n",
                static_cast<long long>(report->events), static_cast<long long>(report->aggregates));
    if (report->heads_checked)
      std::printf("checked the write side's %lld recorded heads: %lld chains end exactly at their head, "
                  "%lld go past it (newer than the state's rows); no chain lost its tail and no "
                  "aggregate is missing\n",
                  static_cast<long long>(report->heads_matched + report->heads_behind),
                  static_cast<long long>(report->heads_matched), static_cast<long long>(report->heads_behind));
    else
      std::printf("NOT checked: removed tail events or removed aggregates (no write-side state in %s/state "
                  "to compare the chains' ends with)\n", data.c_str());
    if (report->quarantined)
      std::printf("skipped %lld quarantined record(s) (%s/quarantine.json)\n",
                  static_cast<long long>(report->quarantined), data.c_str());
    return 0;
  }

  if (args.positional().size() != 1) return fail("audit", std::string("name one id\n\n") + kAuditHelp);
  const std::string& id = args.positional()[0];
  std::optional<Timestamp> as_of;
  if (auto t = args.get("as-of")) {
    as_of = parse_rfc3339(*t);
    if (!as_of) return fail("audit", "--as-of must be an RFC 3339 time, e.g. 2026-11-23T08:00:00Z");
  }
  if (index) {
    // An index of another version or log (serve has not rebuilt it yet) is not used.
    EventIndexProjection events;
    if (!ProjectionRunner::stale(*index, **log, {&events}).empty()) index.reset();
  }
  auto entries = case_history(**log, id, &*quarantine, index.get());
  if (!entries) return fail("audit", entries.status().message());
  if (entries->empty()) return fail("audit", "no events recorded for " + id);
  std::printf("history of %s (partition %d)\n", id.c_str(), (*log)->partition_of(id));
  std::printf("%-24s  %-40s  %-18s  %-4s  %-24s  %s\n", "time", "type", "subject", "seq", "actor",
              "command id");
  std::vector<std::string> subjects, related;
  for (const auto& e : *entries) {
    const auto& v = e.envelope;
    const bool after = as_of && v.time > *as_of;
    std::printf("%-24s  %-40s  %-18s  %-4llu  %-24s  %s%s\n", format_rfc3339(v.time).c_str(),
                v.type.c_str(), v.subject.c_str(), static_cast<unsigned long long>(v.sequence),
                v.actor.c_str(), v.command_id.c_str(), after ? "  (after --as-of)" : "");
    std::vector<std::string>& list = e.related ? related : subjects;
    if (std::find(list.begin(), list.end(), v.subject) == list.end()) list.push_back(v.subject);
  }
  if (!related.empty()) {
    std::printf("\nthe part movements above are those of this case; each item's whole history:\n");
    for (const auto& subject : related) {
      const size_t slash = subject.find('/');
      auto kind = kind_named(subject.substr(0, slash));
      const std::string id = subject.substr(slash + 1);
      // Its key in the log (a stock item's is "<warehouse>/<part>"), which audit takes.
      const auto none = kind ? kind->spec().empty_state() : nullptr;
      std::printf("  aftercare audit %s\n", (kind ? kind->partition_key(id, none.get()) : id).c_str());
    }
  }
  for (const auto& subject : subjects) {
    auto state = state_as_of(*entries, subject, as_of);
    if (!state) return fail("audit", state.status().message());
    std::printf("\nstate of %s as of %s:\n%s\n", subject.c_str(),
                as_of ? format_rfc3339(*as_of).c_str() : "now",
                state->empty() ? "(did not exist yet)" : state->c_str());
  }
  return 0;
}

constexpr const char* kQuarantineHelp =
    "usage: aftercare quarantine RECORD --reason TEXT [--data DIR] [--kafka BOOTSTRAP]\n"
    "       aftercare quarantine --show RECORD [--data DIR] [--kafka BOOTSTRAP]\n"
    "       aftercare quarantine --list [--data DIR]\n"
    "\n"
    "Sets aside a record of the log that does not decode (or cannot be applied), so that serve, replay and\n"
    "audit skip exactly that record (same place, same bytes) and say so. RECORD is\n"
    "TOPIC/PARTITION@OFFSET as the error names it, e.g. aftercare.requests/3@1043.\n"
    "The log itself is never changed. Stop `serve` first; it reads the list at start.\n"
    "  --show    print the record's key and bytes (non-printable bytes as \\xNN)\n"
    "  --list    print the quarantined records and why\n"
    "  --even-if-it-decodes  also a record that decodes but that serve reports it\n"
    "            cannot apply (an event another producer wrote)\n"
    "  --reason  why it is set aside (recorded with the time)\n";

namespace {

std::string printable(std::string_view bytes, size_t limit) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) out.push_back(static_cast<char>(c));
    else out += fmt::format("\\x{:02x}", c);
  }
  if (bytes.size() > limit) out += fmt::format("... ({} bytes)", bytes.size());
  return out;
}

}  // namespace

int quarantine_main(const std::vector<std::string>& argv) {
  Args args(argv, {"data", "kafka", "reason", "show"}, {"list", "even-if-it-decodes", "help"});
  if (args.has("help")) return std::fputs(kQuarantineHelp, stdout), 0;
  if (!args.ok()) return fail("quarantine", args.error() + "\n\n" + kQuarantineHelp);
  const std::string data = args.get("data", "AFTERCARE_DATA", "./data");
  if (args.has("list")) {
    auto q = Quarantine::load(data);
    if (!q) return fail("quarantine", q.status().message());
    if (q->empty()) std::printf("no quarantined records in %s\n", data.c_str());
    for (const auto& r : q->records())
      std::printf("%s  sha256 %s  at %s  reason: %s\n", record_name(r.at).c_str(), r.sha256.c_str(),
                  r.added_at.c_str(), r.reason.c_str());
    return 0;
  }
  const auto show = args.get("show");
  if (!show && (args.positional().size() != 1 || !args.get("reason")))
    return fail("quarantine", std::string("name one RECORD and give --reason\n\n") + kQuarantineHelp);
  auto at = parse_record_name(show ? *show : args.positional()[0]);
  if (!at) return fail("quarantine", at.status().message());
  auto log = open_log_snapshot(args, data);
  if (!log) return fail("quarantine", log.status().message());
  std::vector<Record> records;
  if (Status s = (*log)->read({at->topic, at->partition}, at->offset, 1, records); !s)
    return fail("quarantine", s.message());
  if (records.empty() || records[0].offset != at->offset)
    return fail("quarantine", "the log has no record " + record_name(*at));
  const Record& r = records[0];
  if (show) {
    simdjson::dom::parser parser;
    auto env = decode(r.value, parser);
    std::printf("record %s\nkey    %s\nbytes  %s\n%s\n", record_name(*at).c_str(), printable(r.key, 256).c_str(),
                printable(r.value, 4096).c_str(),
                env ? "it decodes: there is no reason to quarantine it" : ("it does not decode: " + env.status().message()).c_str());
    return 0;
  }
  simdjson::dom::parser parser;
  if (decode(r.value, parser) && !args.has("even-if-it-decodes"))
    return fail("quarantine", record_name(*at) + " decodes; only records that do not decode can be set aside "
                              "(or, when serve says it cannot apply it, with --even-if-it-decodes)");
  SystemClock clock;
  if (Status s = Quarantine::add(data, r, *args.get("reason"), clock.now()); !s) return fail("quarantine", s.message());
  std::printf("quarantined %s (%zu bytes); serve, replay and audit skip it from now on\n",
              record_name(*at).c_str(), r.value.size());
  return 0;
}

}  // namespace aftercare
