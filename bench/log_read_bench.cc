// log_read_bench: how fast the embedded log can be read back, the floor
// under `aftercare replay` (bench/README.md, "Replay: what bounds it").
//
//   log_read_bench --dir DATA/log [--decode]
//
// Reads every partition of every topic once, 4096 records a call, as the
// projection runner does. With --decode it also decodes each envelope
// (simdjson) and upcasts it: everything replay does before a projection
// sees the event. Prints records/s and MiB/s.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "eventstore/embedded_log.h"
#include "eventstore/envelope.h"
#include "projections/catalog.h"  // event_upcasters()

using namespace aftercare;

int main(int argc, char** argv) {
  std::string dir;
  bool decode_too = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!std::strcmp(argv[i], "--decode")) decode_too = true;
    else return std::fprintf(stderr, "usage: log_read_bench --dir DATA/log [--decode]\n"), 2;
  }
  if (dir.empty()) return std::fprintf(stderr, "usage: log_read_bench --dir DATA/log [--decode]\n"), 2;
  const auto opened = std::chrono::steady_clock::now();
  auto log = EmbeddedLog::open({.dir = dir, .read_only = true});
  if (!log) return std::fprintf(stderr, "%s\n", log.status().to_string().c_str()), 1;
  const double open_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened).count();
  simdjson::dom::parser parser;
  int64_t records = 0, bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Record> batch;
  for (Topic t : kAllTopics) {
    for (int32_t p = 0; p < (*log)->partition_count(); ++p) {
      const auto end = (*log)->end_offset({t, p});
      if (!end) return std::fprintf(stderr, "%s\n", end.status().to_string().c_str()), 1;
      for (int64_t next = 0; next < *end; next += static_cast<int64_t>(batch.size())) {
        batch.clear();
        if (Status s = (*log)->read({t, p}, next, 4096, batch); !s)
          return std::fprintf(stderr, "%s\n", s.to_string().c_str()), 1;
        if (batch.empty()) break;
        for (const Record& r : batch) {
          ++records;
          bytes += static_cast<int64_t>(r.value.size());
          if (!decode_too) continue;
          auto env = decode(r.value, parser);
          if (!env) return std::fprintf(stderr, "%s\n", env.status().to_string().c_str()), 1;
          if (Status s = event_upcasters().upcast(*env); !s) return std::fprintf(stderr, "%s\n", s.to_string().c_str()), 1;
        }
      }
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %lld records, %.1f MiB in %.2f s (%.0f records/s, %.0f MiB/s); opening the log %.2f s\n",
              decode_too ? "read+decode" : "read", static_cast<long long>(records), bytes / 1048576.0, s,
              records / s, bytes / 1048576.0 / s, open_s);
  return 0;
}
