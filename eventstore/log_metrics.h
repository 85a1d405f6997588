// The metrics every EventLog reports, under the same names whichever log
// it is, so dashboards and alerts work on both.
#pragma once

#include "base/metrics.h"

namespace aftercare {

struct LogMetrics {
  Counter& appends = metrics().counter("aftercare_log_appends_total", "Appends acknowledged");
  Counter& records = metrics().counter("aftercare_log_records_total", "Records appended");
  Counter& groups = metrics().counter("aftercare_log_group_commits_total",
                                      "Group commits (one fsync each; embedded log only)");
  Counter& failures = metrics().counter("aftercare_log_append_failures_total", "Appends failed");
  Histogram& latency = metrics().histogram(
      "aftercare_log_append_latency_seconds", "From append() to durable acknowledgement",
      latency_buckets());
};

// Registered on first use; call it when a log opens so /metrics shows the
// series before the first append.
inline LogMetrics& log_metrics() {
  static LogMetrics* m = new LogMetrics();
  return *m;
}

}  // namespace aftercare
