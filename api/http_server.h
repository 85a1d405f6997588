// HttpServer: an asynchronous HTTP/1.1 server on Boost.Beast.
//
// One single-threaded io_context per thread; each accepted connection is
// handed to the next one and lives there (no strands, no locks, no
// cross-thread wakeups for queries). Every read has a deadline, so a slow client cannot hold a
// connection forever; bodies over the limit get 413 and headers over the
// limit 431, both as problem+json, and the connection is closed.
//
// The Handler gets each request and answers through a Responder, which it
// may call later and from any thread (commands answer once their events are
// durable); the response is posted back to the connection's thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "domain/status.h"

namespace aftercare {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;
using Responder = std::function<void(HttpResponse)>;

class Handler {
 public:
  virtual ~Handler() = default;
  // Must call `respond` exactly once.
  virtual void handle(HttpRequest request, Responder respond) = 0;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  int threads = 2;
  size_t body_limit = 1 << 20;
  uint32_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{10};   // from the first byte of a request to its end
  std::chrono::seconds idle_timeout{60};   // a keep-alive connection with no request
  size_t max_connections = 10000;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();

  // Binds and listens, accepting nothing yet: `serve` reserves its port
  // before it creates anything on disk, so a busy port leaves nothing behind.
  Status listen();
  // Starts the threads and hands every request to `handler` (listens first if needed).
  Status start(Handler& handler);
  // Stops accepting, lets in-flight requests finish for up to `drain`, stops.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(5000));
  // Runs `task` on one of the server's threads (work that must not stay on
  // the thread it was completed on). Dropped once the server has stopped.
  void post(std::function<void()> task);
  uint16_t port() const { return port_; }
  size_t open_connections() const { return connections_.load(); }

 private:
  class Session;
  void do_accept();

  HttpServerOptions options_;
  Handler* handler_ = nullptr;
  bool listening_ = false;
  std::vector<std::unique_ptr<boost::asio::io_context>> iocs_;  // one per thread
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  size_t next_ioc_ = 0;  // the acceptor's thread only
  std::atomic<size_t> next_post_{0};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<size_t> connections_{0};
  // Accepting failed for want of file descriptors: back off instead of spinning.
  std::unique_ptr<boost::asio::steady_timer> accept_backoff_;
  std::chrono::steady_clock::time_point last_accept_warning_{};  // the acceptor's thread only
  std::atomic<size_t> in_flight_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace aftercare
