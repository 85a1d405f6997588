// webhook_sink: a fast local webhook receiver for `make bench` (issue 14:
// webhook delivery >= 5,000 events/s). It answers 204 to every POST on
// keep-alive connections and, once no request came for --idle-ms, prints
// how many arrived and at what rate (first to last arrival).
//
//   webhook_sink [--idle-ms 2000]            prints "listening on PORT", then the figures
//   webhook_sink --baseline N [--body-bytes B]
//       the same-run baseline: N bare sequential POSTs of B bytes from the
//       deliverer's own HTTP client (notify/http_post.h) to this sink — what
//       delivery would reach with no log to read, nothing to sign or record.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "notify/http_post.h"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<uint64_t> received{0};
std::atomic<int64_t> first_ns{0}, last_ns{0};

int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

void serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    const int64_t t = now_ns();
    int64_t zero = 0;
    first_ns.compare_exchange_strong(zero, t);
    last_ns = t;
    ++received;
    http::response<http::empty_body> res{http::status::no_content, req.version()};
    res.keep_alive(req.keep_alive());
    http::write(socket, res, ec);
    if (ec || !req.keep_alive()) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int idle_ms = 2000;
  long baseline = 0, body_bytes = 700;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--idle-ms") idle_ms = std::stoi(v);
    else if (a == "--baseline") baseline = std::stol(v);
    else if (a == "--body-bytes") body_bytes = std::stol(v);
    else return std::fputs("usage: webhook_sink [--idle-ms MS] [--baseline N [--body-bytes B]]\n", stderr), 2;
  }
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const uint16_t port = acceptor.local_endpoint().port();
  std::thread([&acceptor, &ioc] {
    for (;;) {
      tcp::socket s(ioc);
      acceptor.accept(s);
      s.set_option(tcp::no_delay(true));
      std::thread(serve, std::move(s)).detach();
    }
  }).detach();

  if (baseline > 0) {
    aftercare::HttpPoster poster({"127.0.0.1", port, "/hook"}, std::chrono::milliseconds(5000));
    const std::string body(static_cast<size_t>(body_bytes), 'x');
    const std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/cloudevents+json"}};
    const auto start = Clock::now();
    for (long n = 0; n < baseline; ++n)
      if (!poster.post(body, headers).ok()) return std::fputs("a bare POST failed\n", stderr), 1;
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("bare POSTs: %ld in %.2f s (%.0f posts/s)\n", baseline, s, static_cast<double>(baseline) / s);
    return 0;
  }
  std::printf("listening on %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t last = last_ns;
    if (received > 0 && now_ns() - last > int64_t{idle_ms} * 1'000'000) break;
  }
  const uint64_t n = received;
  const double s = static_cast<double>(last_ns - first_ns) / 1e9;
  std::printf("received %llu events in %.2f s (%.0f events/s)\n", static_cast<unsigned long long>(n), s,
              s > 0 ? static_cast<double>(n - 1) / s : 0.0);
  return 0;
}
