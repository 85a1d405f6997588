// loadgen: a closed-loop HTTP load generator for aftercare. N keep-alive
// connections, each sending its next request when the previous answer
// arrived, for a fixed time; prints throughput and latency percentiles.
//
//   loadgen --port P --token T [--host 127.0.0.1] [--connections 64] [--seconds 10]
//           [--scenario intake|view] [--warmup 2]
//
// Scenarios:
//   intake  POST /v1/requests (durable: answered once the log has the event),
//           each with its own Idempotency-Key; creates customer LOAD-C first
//   view    GET one request view
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
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
      req.set(http::field::authorization, "Bearer " + o_.token);
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

int usage() {
  std::fputs("usage: loadgen --port P --token T [--host H] [--connections N] [--seconds S]\n"
             "               [--warmup S] [--scenario intake|view]\n",
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
    else return usage();
  }
  if (o.port.empty() || o.token.empty() || (argc - 1) % 2 != 0) return usage();
  if (o.scenario != "intake" && o.scenario != "view") return usage();

  // Setup: the customer every request belongs to, and one request to read.
  Connection setup(o);
  const int c = setup.send(http::verb::put, "/v1/customers/LOAD-C", R"({"name":"Load","region":"north"})", "");
  std::string reply;
  const int r = setup.send(http::verb::post, "/v1/requests",
                           R"({"customer_id":"LOAD-C","channel":"web","type":"repair"})", "", &reply);
  const size_t at = reply.find("\"id\":\"");
  if (c >= 300 || r != 201 || at == std::string::npos) {
    std::fprintf(stderr, "loadgen: setup failed (customer %d, request %d): %s\n", c, r, reply.c_str());
    return 1;
  }
  const std::string view = "/v1/requests/" + reply.substr(at + 6, reply.find('"', at + 6) - at - 6);
  const std::string body =
      R"({"customer_id":"LOAD-C","channel":"phone","type":"repair","problem_code":"E21",)"
      R"("description":"drum does not spin","priority":"normal"})";

  std::atomic<int> phase{0};  // 0 warm-up, 1 measuring, 2 stop
  std::vector<std::vector<uint32_t>> latencies(static_cast<size_t>(o.connections));
  std::vector<uint64_t> errors(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  const uint64_t run = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      Connection conn(o);
      auto& lat = latencies[static_cast<size_t>(t)];
      lat.reserve(1 << 20);
      for (uint64_t i = 0; phase.load(std::memory_order_relaxed) < 2; ++i) {
        const auto t0 = Clock::now();
        const int status =
            o.scenario == "intake"
                ? conn.send(http::verb::post, "/v1/requests", body,
                            "load-" + std::to_string(run) + "-" + std::to_string(t) + "-" + std::to_string(i))
                : conn.send(http::verb::get, view, "", "");
        if (phase.load(std::memory_order_relaxed) != 1) continue;
        if (status < 200 || status >= 300) ++errors[static_cast<size_t>(t)];
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
  std::printf("scenario %s: %d connections, %.1f s (after %.1f s warm-up)\n", o.scenario.c_str(),
              o.connections, elapsed, o.warmup);
  std::printf("  requests/s     %.0f\n", static_cast<double>(all.size()) / elapsed);
  std::printf("  latency p50    %.2f ms\n", percentile(all, 0.50));
  std::printf("  latency p99    %.2f ms\n", percentile(all, 0.99));
  std::printf("  latency p99.9  %.2f ms\n", percentile(all, 0.999));
  std::printf("  non-2xx        %llu\n", static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}
