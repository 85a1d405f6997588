// loadgen: a closed-loop HTTP load generator for aftercare. N keep-alive
// connections, each sending its next request when the previous answer
// arrived, for a fixed time; prints throughput and latency percentiles.
//
//   loadgen --port P --token T [--host 127.0.0.1] [--connections 64] [--seconds 10]
//           [--scenario intake|day|view|list|static|status|board|stock|stock-view] [--path /file] [--warmup 2]
//           [--rate R]
//
// Scenarios:
//   intake  POST /v1/requests (durable: answered once the log has the event),
//           each with its own Idempotency-Key; creates customer LOAD-C first
//   day     a service centre's day: each connection takes requests through
//           open -> assign -> report -> callback, with remote fixes (10%),
//           failed visits (25%), second failures that lock and a manager's
//           unlock, and unsatisfied callbacks (10%); every call counts
//   view    GET one request view
//   list    GET /v1/requests with filters (status, region, customer), 20 a page
//   static  GET --path from any HTTP server (the nginx baseline); no setup
//   status  POST /v1/engineers/E-LOAD-<0..199>/status (travelling or on site, a location)
//   board   GET /v1/engineers?region=north&limit=50 (the live board with workload)
//
// --rate R makes it open-loop: R requests/s spread over the connections on a
// fixed schedule, latency measured from when each request was due (so a
// slow server cannot hide its queueing).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <map>
#include <atomic>
#include <random>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string token;
  int connections = 64;
  double seconds = 10;
  double warmup = 2;
  std::string scenario = "intake";
  std::string path;
  double rate = 0;  // requests/s over all connections; 0 = closed loop
};

struct Call {
  http::verb method;
  std::string target;
  std::string body;
  std::string key;
};

constexpr int kEngineers = 200;  // the status and board scenarios' engineers
constexpr int kWarehouses = 100, kParts = 100;  // the stock scenarios' 10,000 items

// What one connection sends next, scenario by scenario.
class Script {
 public:
  Script(const Options& o, std::string view, int connection, uint64_t run)
      : o_(o), view_(std::move(view)), rng_(static_cast<uint32_t>(run + connection)),
        prefix_("load-" + std::to_string(run) + "-" + std::to_string(connection) + "-") {}

  Call next() {
    ++n_;
    if (o_.scenario == "intake") return {http::verb::post, "/v1/requests", kOpen, prefix_ + std::to_string(n_)};
    if (o_.scenario == "view" || o_.scenario == "static") return {http::verb::get, view_, "", ""};
    if (o_.scenario == "list") return {http::verb::get, kLists[n_ % std::size(kLists)], "", ""};
    if (o_.scenario == "status") {
      // Engineers on the move: one of kEngineers reports where it is.
      const int e = std::uniform_int_distribution<int>(0, kEngineers - 1)(rng_);
      const double lat = 41.7 + std::uniform_int_distribution<int>(0, 999)(rng_) * 0.0002;
      char body[128];
      std::snprintf(body, sizeof body, R"({"status":"%s","location":{"lat":%.4f,"lon":123.4}})",
                    chance(80) ? "travelling" : "on_site", lat);
      return {http::verb::post, "/v1/engineers/E-LOAD-" + std::to_string(e) + "/status", body, ""};
    }
    if (o_.scenario == "board") return {http::verb::get, "/v1/engineers?region=north&limit=50", "", ""};
    if (o_.scenario == "stock") {
      // A goods receipt of one line on one of kWarehouses x kParts items.
      const int w = std::uniform_int_distribution<int>(0, kWarehouses - 1)(rng_);
      const int p = std::uniform_int_distribution<int>(0, kParts - 1)(rng_);
      char body[160];
      std::snprintf(body, sizeof body, R"({"warehouse_id":"W-LOAD-%d","reference":"load","lines":[{"part_no":"P-%d","qty":%d}]})", w, p,
                    std::uniform_int_distribution<int>(1, 9)(rng_));
      return {http::verb::post, "/v1/stock/receipts", body, prefix_ + std::to_string(n_)};
    }
    if (o_.scenario == "stock-view") {
      const int w = std::uniform_int_distribution<int>(0, kWarehouses - 1)(rng_);
      const int p = std::uniform_int_distribution<int>(0, kParts - 1)(rng_);
      return {http::verb::get, "/v1/stock/W-LOAD-" + std::to_string(w) + "/P-" + std::to_string(p), "", ""};
    }
    return day();
  }
  // The id of the request a day script is working on (from the last answer).
  void answered(const std::string& reply) {
    if (o_.scenario != "day" || !id_.empty()) return;
    const size_t at = reply.find("\"id\":\"");
    if (at != std::string::npos) id_ = reply.substr(at + 6, reply.find('"', at + 6) - at - 6);
  }

 private:
  static constexpr const char* kOpen =
      R"({"customer_id":"LOAD-C","channel":"phone","type":"repair","problem_code":"E21",)"
      R"("description":"drum does not spin","priority":"normal"})";
  static constexpr const char* kLists[] = {
      "/v1/requests?status=awaiting_assignment&limit=20", "/v1/requests?region=north&limit=20",
      "/v1/requests?customer_id=LOAD-C&limit=20", "/v1/requests?status=closed&region=north&limit=20"};

  Call act(const std::string& action, const std::string& body) {
    return {http::verb::post, "/v1/requests/" + id_ + "/" + action, body, prefix_ + std::to_string(n_)};
  }
  bool chance(int percent) { return std::uniform_int_distribution<int>(1, 100)(rng_) <= percent; }

  // One step of the current request's life; a new request when it is done.
  Call day() {
    if (id_.empty() || step_ == Step::done) {
      id_.clear();
      step_ = Step::assign;
      failures_ = 0;
      return {http::verb::post, "/v1/requests", kOpen, prefix_ + std::to_string(n_)};
    }
    switch (step_) {
      case Step::assign:
        if (failures_ == 0 && chance(10)) {
          step_ = Step::callback;
          return act("resolve-remotely", R"({"notes":"reset the program"})");
        }
        step_ = Step::report;
        return act("assign", R"({"engineer_id":"E-LOAD"})");
      case Step::report:
        if (chance(25)) {
          step_ = ++failures_ >= 2 ? Step::unlock : Step::assign;
          return act("report", R"({"outcome":"unresolved","work_minutes":30})");
        }
        step_ = Step::callback;
        return act("report", R"({"outcome":"resolved","work_minutes":40})");
      case Step::unlock:
        failures_ = 1;  // the request keeps its failed attempts: the next failure locks again
        step_ = Step::assign;
        return act("unlock", R"({"decision":"reassign"})");
      case Step::callback:
        if (chance(10)) {
          step_ = Step::assign;
          return act("callback", R"({"satisfied":false})");
        }
        step_ = Step::done;
        return act("callback", R"({"satisfied":true,"scores":{"attitude":5,"skill":4,"timeliness":5,"resolution":5,"parts_lead_time":4}})");
      case Step::done: break;
    }
    return {http::verb::get, "/v1/requests/" + id_, "", ""};
  }

  enum class Step { assign, report, unlock, callback, done };
  const Options& o_;
  std::string view_;
  std::mt19937 rng_;
  std::string prefix_;
  uint64_t n_ = 0;
  std::string id_;
  Step step_ = Step::done;
  int failures_ = 0;
};

class Connection {
 public:
  explicit Connection(const Options& o) : o_(o) {}

  // The status, or 0 when the connection failed (it reconnects next time).
  int send(http::verb method, const std::string& target, const std::string& body,
           const std::string& key, std::string* reply = nullptr) {
    try {
      if (!open_) connect();
      http::request<http::string_body> req{method, target, 11};
      req.set(http::field::host, o_.host);
      if (!o_.token.empty()) req.set(http::field::authorization, "Bearer " + o_.token);
      if (!key.empty()) req.set("Idempotency-Key", key);
      if (!body.empty()) req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
      http::write(stream_, req);
      http::response<http::string_body> res;
      http::read(stream_, buffer_, res);
      if (reply) *reply = res.body();
      if (!res.keep_alive()) close();
      return res.result_int();
    } catch (const std::exception&) {
      close();
      return 0;
    }
  }

 private:
  void connect() {
    tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve(o_.host, o_.port));
    stream_.socket().set_option(tcp::no_delay(true));
    open_ = true;
  }
  void close() {
    beast::error_code ec;
    stream_.socket().close(ec);
    buffer_.clear();
    open_ = false;
  }

  const Options& o_;
  asio::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
  bool open_ = false;
};

double percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k] / 1000.0;
}

// The customer every request belongs to, and one request to read; the
// path of its view, or "" when the server refused.
std::string setup(const Options& o) {
  Connection conn(o);
  const int c = conn.send(http::verb::put, "/v1/customers/LOAD-C", R"({"name":"Load","region":"north"})", "");
  const int e = conn.send(http::verb::put, "/v1/engineers/E-LOAD", R"({"name":"Load","region":"north","active":true})", "");
  std::string reply;
  const int r = conn.send(http::verb::post, "/v1/requests",
                           R"({"customer_id":"LOAD-C","channel":"web","type":"repair"})", "", &reply);
  const size_t at = reply.find("\"id\":\"");
  if (c >= 300 || e >= 300 || r != 201 || at == std::string::npos) {
    std::fprintf(stderr, "loadgen: setup failed (customer %d, engineer %d, request %d): %s\n", c, e, r, reply.c_str());
    return "";
  }
  const std::string view = "/v1/requests/" + reply.substr(at + 6, reply.find('"', at + 6) - at - 6);
  if (o.scenario == "status" || o.scenario == "board")
    for (int i = 0; i < kEngineers; ++i) {
      const std::string id = "E-LOAD-" + std::to_string(i);
      if (conn.send(http::verb::put, "/v1/engineers/" + id, R"({"name":"Load","region":"north","active":true,"skills":["washers"]})", "") >= 300)
        return std::fprintf(stderr, "loadgen: setup failed (engineer %s)\n", id.c_str()), std::string();
    }
  if (o.scenario == "stock" || o.scenario == "stock-view")
    for (int i = 0; i < kWarehouses; ++i) {
      const std::string id = "W-LOAD-" + std::to_string(i);
      if (conn.send(http::verb::put, "/v1/warehouses/" + id, R"({"name":"Load","region":"north","kind":"outlet"})", "") >= 300)
        return std::fprintf(stderr, "loadgen: setup failed (warehouse %s)\n", id.c_str()), std::string();
    }
  // Reads are measured on a request the read models already have.
  for (int i = 0; i < 6000 && conn.send(http::verb::get, view, "", "") != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return view;
}

int usage() {
  std::fputs("usage: loadgen --port P [--token T] [--host H] [--connections N] [--seconds S]\n"
             "               [--warmup S] [--scenario intake|day|view|list|static|status|board|stock|stock-view] [--path /file]\n"
             "               [--rate R]\n",
             stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--host") o.host = v;
    else if (a == "--port") o.port = v;
    else if (a == "--token") o.token = v;
    else if (a == "--connections") o.connections = std::stoi(v);
    else if (a == "--seconds") o.seconds = std::stod(v);
    else if (a == "--warmup") o.warmup = std::stod(v);
    else if (a == "--scenario") o.scenario = v;
    else if (a == "--path") o.path = v;
    else if (a == "--rate") o.rate = std::stod(v);
    else return usage();
  }
  if (o.port.empty() || (argc - 1) % 2 != 0) return usage();
  if (o.scenario == "static" ? o.path.empty() : o.token.empty()) return usage();
  const std::string scenarios[] = {"intake", "day", "view", "list", "static", "status", "board", "stock", "stock-view"};
  if (std::find(std::begin(scenarios), std::end(scenarios), o.scenario) == std::end(scenarios)) return usage();

  std::string view = o.path;
  if (o.scenario != "static") view = setup(o);
  if (view.empty()) return 1;
  std::atomic<int> phase{0};  // 0 warm-up, 1 measuring, 2 stop
  std::vector<std::vector<uint32_t>> latencies(static_cast<size_t>(o.connections));
  std::vector<uint64_t> errors(static_cast<size_t>(o.connections));
  std::vector<std::map<int, uint64_t>> statuses(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  const uint64_t run = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  // Open loop: each connection sends every `interval`, staggered, from `epoch`.
  const auto epoch = Clock::now() + std::chrono::milliseconds(100);
  const auto interval = std::chrono::duration<double>(o.rate > 0 ? o.connections / o.rate : 0);
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      Connection conn(o);
      Script script(o, view, t, run);
      auto& lat = latencies[static_cast<size_t>(t)];
      lat.reserve(1 << 16);
      for (uint64_t i = 0; phase.load(std::memory_order_relaxed) < 2; ++i) {
        auto t0 = Clock::now();
        if (o.rate > 0) {
          t0 = epoch + std::chrono::duration_cast<Clock::duration>(interval * (static_cast<double>(i) +
                                                                              static_cast<double>(t) / o.connections));
          std::this_thread::sleep_until(t0);
        }
        const Call call = script.next();
        std::string reply;
        const int status = conn.send(call.method, call.target, call.body, call.key, &reply);
        script.answered(reply);
        if (phase.load(std::memory_order_relaxed) != 1) continue;
        if (status < 200 || status >= 300) {
          ++errors[static_cast<size_t>(t)];
          ++statuses[static_cast<size_t>(t)][status];
        }
        else
          lat.push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  phase = 1;
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  phase = 2;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& th : threads) th.join();
  std::vector<uint32_t> all;
  uint64_t failed = 0;
  for (size_t t = 0; t < latencies.size(); ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    failed += errors[t];
  }
  std::printf("scenario %s: %d connections, %s, %.1f s (after %.1f s warm-up)\n", o.scenario.c_str(),
              o.connections, o.rate > 0 ? ("open loop at " + std::to_string(static_cast<int>(o.rate)) + "/s").c_str() : "closed loop",
              elapsed, o.warmup);
  std::printf("  requests/s     %.0f\n", static_cast<double>(all.size()) / elapsed);
  std::printf("  latency p50    %.2f ms\n", percentile(all, 0.50));
  std::printf("  latency p99    %.2f ms\n", percentile(all, 0.99));
  std::printf("  latency p99.9  %.2f ms\n", percentile(all, 0.999));
  std::map<int, uint64_t> by_status;
  for (const auto& m : statuses)
    for (const auto& [code, n] : m) by_status[code] += n;
  std::string detail;
  for (const auto& [code, n] : by_status)
    detail += (detail.empty() ? " (" : ", ") + (code ? std::to_string(code) : "no answer") + ": " + std::to_string(n);
  std::printf("  non-2xx        %llu%s\n", static_cast<unsigned long long>(failed), detail.empty() ? "" : (detail + ")").c_str());
  return failed == 0 ? 0 : 1;
}
