// status_counts: an example streaming-analytics consumer of aftercare's
// topics. It joins a Kafka consumer group on `aftercare.requests`, keeps a
// live count of service requests by region and status, and prints it.
//
// It depends only on the published contract (docs/consumers.md,
// schemas/), not on aftercare's code: librdkafka to read, simdjson to parse
// the CloudEvents envelopes.
//
// How it stays right in a group: a request's events are all in one
// partition, in order. The consumer keeps state per partition; when the
// group gives it a partition it reads that partition from the beginning,
// and when the group takes one away it forgets that partition's requests.
// So each member counts exactly the requests of its partitions, and the
// members' counts add up to the whole. (A production consumer would
// snapshot its state with its offsets instead of re-reading from 0.)
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>

namespace {

volatile sig_atomic_t g_stop = 0;

struct Request {
  std::string region;
  std::string status;
  std::string suspended_from;
};

std::string_view text(simdjson::dom::element data, const char* key) {
  std::string_view v;
  return data[key].get_string().get(v) ? std::string_view{} : v;
}

bool flag(simdjson::dom::element data, const char* key) {
  bool v = false;
  return data[key].get_bool().get(v) ? false : v;
}

// The request status an event leaves behind, as docs/consumers.md lists it.
void apply(Request& r, std::string_view event, simdjson::dom::element data) {
  if (event == "opened") {
    r.region = text(data, "region");
    r.status = flag(data, "suspended") ? "suspended" : "awaiting_assignment";
    r.suspended_from = "awaiting_assignment";
  } else if (event == "assigned") {
    r.status = "assigned";
  } else if (event == "suspended") {
    r.suspended_from = r.status;
    r.status = "suspended";
  } else if (event == "resumed") {
    r.status = r.suspended_from.empty() ? "awaiting_assignment" : r.suspended_from;
  } else if (event == "reported" || event == "not_attended") {
    // v2 says itself when the failure locks (`lock_reason`); v1 never does
    // (a `locked` event followed), and reads as null here.
    if (event == "reported" && text(data, "outcome") == "resolved") r.status = "processed";
    else r.status = text(data, "lock_reason").empty() ? "awaiting_assignment" : "locked";
  } else if (event == "locked") {
    r.status = "locked";
  } else if (event == "resolved_remotely") {
    r.status = "processed";
  } else if (event == "callback_recorded") {
    r.status = flag(data, "satisfied") ? "closed" : "awaiting_assignment";
  } else if (event == "unlocked") {
    r.status = text(data, "decision") == "close" ? "closed" : "awaiting_assignment";
  } else if (event == "cancelled") {
    r.status = "cancelled";
  }
  // complaint_overdue and event types added later do not change the status.
}

class Counts {
 public:
  // `type` is aftercare.request.<event>.v<N>; apply() reads every version
  // (v2 of reported and not_attended only adds lock_reason, v2 of locked its deadline).
  bool apply_record(int32_t partition, std::string_view value) {
    simdjson::dom::element doc;
    if (parser_.parse(value.data(), value.size()).get(doc)) return false;
    std::string_view type, id;
    if (doc["type"].get_string().get(type) || doc["aggregateid"].get_string().get(id)) return false;
    if (!type.starts_with("aftercare.request.")) return false;
    std::string_view event = type.substr(std::strlen("aftercare.request."));
    event = event.substr(0, event.rfind(".v"));
    simdjson::dom::element data;
    if (doc["data"].get(data)) return false;
    Request& r = partitions_[partition][std::string(id)];
    apply(r, event, data);
    return true;
  }
  void forget(int32_t partition) { partitions_.erase(partition); }

  std::map<std::string, std::map<std::string, int64_t>> by_region() const {
    std::map<std::string, std::map<std::string, int64_t>> out;
    for (const auto& [p, requests] : partitions_)
      for (const auto& [id, r] : requests) ++out[r.region.empty() ? "(none)" : r.region][r.status];
    return out;
  }

 private:
  simdjson::dom::parser parser_;
  std::map<int32_t, std::unordered_map<std::string, Request>> partitions_;
};

void print(const Counts& counts, bool json) {
  const auto table = counts.by_region();
  if (json) {
    std::string out = "{";
    for (const auto& [region, statuses] : table) {
      if (out.size() > 1) out += ",";
      out += "\"" + region + "\":{";
      bool first = true;
      for (const auto& [status, n] : statuses) {
        out += (first ? "\"" : ",\"") + status + "\":" + std::to_string(n);
        first = false;
      }
      out += "}";
    }
    std::printf("%s}\n", out.c_str());
  } else {
    std::printf("%-12s %-20s %8s\n", "region", "status", "requests");
    for (const auto& [region, statuses] : table)
      for (const auto& [status, n] : statuses)
        std::printf("%-12s %-20s %8lld\n", region.c_str(), status.c_str(), static_cast<long long>(n));
    std::printf("\n");
  }
  std::fflush(stdout);
}

// Partitions given to this member are read from the beginning; partitions
// taken away are forgotten (see the comment at the top).
void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                  void* opaque) {
  auto* counts = static_cast<Counts*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < parts->cnt; ++i) {
      parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
      counts->forget(parts->elems[i].partition);
    }
    rd_kafka_assign(rk, parts);
  } else {
    for (int i = 0; i < parts->cnt; ++i) counts->forget(parts->elems[i].partition);
    rd_kafka_assign(rk, nullptr);
  }
}

int usage() {
  std::fputs(
      "usage: status_counts --bootstrap HOST:PORT [--group ID] [--every SECONDS] [--json]\n"
      "                     [--exit-when-idle MS]\n"
      "\n"
      "Live counts of aftercare service requests by region and status, from the\n"
      "aftercare.requests topic, printed every --every seconds (default 5) when they changed.\n"
      "  --group           consumer group id (default aftercare-example-status-counts)\n"
      "  --json            one JSON object per report: {region: {status: count}}\n"
      "  --exit-when-idle  print once more and exit after MS milliseconds without records\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap, group = "aftercare-example-status-counts";
  int every_s = 5, idle_exit_ms = 0;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--bootstrap" && has_value) bootstrap = argv[++i];
    else if (a == "--group" && has_value) group = argv[++i];
    else if (a == "--every" && has_value) every_s = std::atoi(argv[++i]);
    else if (a == "--exit-when-idle" && has_value) idle_exit_ms = std::atoi(argv[++i]);
    else if (a == "--json") json = true;
    else return usage();
  }
  if (bootstrap.empty() || every_s <= 0) return usage();
  signal(SIGINT, [](int) { g_stop = 1; });
  signal(SIGTERM, [](int) { g_stop = 1; });

  Counts counts;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, const char*> settings[] = {
      {"bootstrap.servers", bootstrap.c_str()},
      {"group.id", group.c_str()},
      {"enable.auto.commit", "false"},  // state is rebuilt from offset 0 per partition
      {"partition.assignment.strategy", "range"},
      {"log_level", "3"},
  };
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "status_counts: %s\n", err);
      return 1;
    }
  }
  rd_kafka_conf_set_opaque(conf, &counts);
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "status_counts: %s\n", err);
    return 1;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, "aftercare.requests", RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);

  using Clock = std::chrono::steady_clock;
  auto last_record = Clock::now(), last_print = Clock::now();
  bool changed = false, seen_any = false;
  while (!g_stop) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    const auto now = Clock::now();
    if (m) {
      if (!m->err) {
        changed |= counts.apply_record(m->partition, {static_cast<const char*>(m->payload), m->len});
        last_record = now;
        seen_any = true;
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::fprintf(stderr, "status_counts: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    if (changed && now - last_print >= std::chrono::seconds(every_s)) {
      print(counts, json);
      changed = false;
      last_print = now;
    }
    if (idle_exit_ms > 0 && seen_any && now - last_record >= std::chrono::milliseconds(idle_exit_ms)) break;
  }
  print(counts, json);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}
