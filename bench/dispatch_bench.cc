// Automatic dispatch's decision cost: the write side's roster of one
// region's engineers, ranked for a request (commands/roster.h,
// domain/ranking.h) — what POST /v1/requests/{id}/dispatch {"mode":"auto"}
// does on top of an ordinary command. Prints p50/p99/max per decision for a
// region of N engineers and, as the same-run baseline, of N/10.
//   dispatch_bench [--engineers 5000] [--decisions 2000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <unistd.h>
#include <string>
#include <vector>

#include "commands/roster.h"
#include "domain/engineer_status.h"
#include "domain/master_data.h"
#include "domain/ranking.h"
#include "domain/stock.h"
#include "eventstore/embedded_log.h"

using namespace aftercare;

namespace {

AggregateHead head_of(AggregateKind kind, const std::string& id, const std::string& event, int version,
                      const std::string& data) {
  auto state = kind.spec().empty_state();
  if (!state->apply(id, Event{event, version, data, Timestamp{1'700'000'000'000}})) std::abort();
  return AggregateHead{1, "", std::shared_ptr<const AggregateState>(std::move(state))};
}

void fill(Roster& roster, const std::string& region, int n) {
  for (int i = 0; i < n; ++i) {
    const std::string id = region + "-E" + std::to_string(i);
    const double lat = 41.0 + (i % 100) * 0.01, lon = 123.0 + (i / 100 % 100) * 0.01;
    char fields[512];
    std::snprintf(fields, sizeof fields,
                  R"({"id":"%s","name":"Engineer %d","outlet_id":"O-%d","region":"%s","skills":["%s"],"active":true,"location":{"lat":%.2f,"lon":%.2f},"van_warehouse_id":"VAN-%s"})",
                  id.c_str(), i, i % 50, region.c_str(), i % 3 ? "washers" : "fridges", lat, lon, id.c_str());
    roster.on_head(engineer_kind(), id, head_of(engineer_kind(), id, "registered", 2, fields));
    if (i % 3 == 0) {  // a third of the vans hold part P-1
      const std::string van = "VAN-" + id;
      roster.on_head(stock_kind(), van + ":P-1",
                     head_of(stock_kind(), van + ":P-1", "received", 1,
                             R"({"warehouse_id":")" + van + R"(","part_no":"P-1","qty":2,"reference":"x",)"
                             R"("balance":{"on_hand":2,"reserved":0,"available":2,"in_transit_in":0,"defective":0}})"));
    }
    const char* status = i % 7 == 0 ? "off_duty" : "available";
    roster.on_head(engineer_status_kind(), id,
                   head_of(engineer_status_kind(), id, "reported", 1, std::string(R"({"status":")") + status + R"(","location":null})"));
  }
  for (int o = 0; o < 50; ++o) {
    const std::string id = "O-" + std::to_string(o);
    AggregateHead h = head_of(outlet_kind(), id, "registered", 1, R"({"id":")" + id + R"(","name":"o","region":")" + region + "\"}");
    if (o % 10) {
      auto s = h.state->clone();
      if (!s->apply(id, Event{"certified", 1, R"({"status":"certified","from":"pending","reason":"x"})", Timestamp{1}})) std::abort();
      h = AggregateHead{2, "", std::shared_ptr<const AggregateState>(std::move(s))};
    }
    roster.on_head(outlet_kind(), id, h);
  }
}

// With `parts`: the order names a part, and every engineer's van is looked
// up in the roster's stock heads (a third of the vans hold it).
void measure(Roster& roster, const std::string& region, int engineers, int decisions, const std::vector<PartLine>* parts = nullptr) {
  RankingInput in{"washers", Location{41'500'000, 123'500'000}, {}};
  std::vector<double> us;
  us.reserve(decisions);
  size_t bytes = 0;
  for (int i = 0; i < decisions; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string stored = roster.summarize(region, in, parts).json();
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    bytes = stored.size();
  }
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  std::printf("auto-dispatch decision%s, %5d engineers in the region: p50 %.2f ms  p99 %.2f ms  max %.2f ms  (ranking stored: %zu bytes)\n",
              parts ? " with a part" : "", engineers, at(0.50) / 1000, at(0.99) / 1000, us.back() / 1000, bytes);
}

}  // namespace

int main(int argc, char** argv) {
  int engineers = 5000, decisions = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--engineers")) engineers = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--decisions")) decisions = std::stoi(argv[i + 1]);
  }
  const std::string dir = std::filesystem::temp_directory_path() / ("dispatch_bench." + std::to_string(::getpid()));
  {
    EmbeddedLogOptions options;
    options.dir = dir + "/log";
    options.partitions = 4;
    auto log = EmbeddedLog::open(options);
    if (!log) return std::fprintf(stderr, "%s\n", log.status().to_string().c_str()), 1;
    auto state = StateStore::open(**log, {.dir = dir + "/state"});
    if (!state) return std::fprintf(stderr, "%s\n", state.status().to_string().c_str()), 1;
    Roster roster(**state);
    fill(roster, "north", engineers);
    fill(roster, "south", std::max(1, engineers / 10));
    measure(roster, "south", std::max(1, engineers / 10), decisions);
    measure(roster, "north", engineers, decisions);
    const std::vector<PartLine> part = {{"P-1", 1}};
    measure(roster, "north", engineers, decisions, &part);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
