#include "api/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>

#include <array>
#include <optional>

#include "api/problem.h"
#include "base/log.h"
#include "base/metrics.h"

namespace aftercare {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer& server)
      : stream_(std::move(socket)), server_(server) {
    ++server_.connections_;
  }
  ~Session() { --server_.connections_; }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(server_.options_.body_limit);
    parser_->header_limit(server_.options_.header_limit);
    stream_.expires_after(server_.options_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
      return do_close();
    if (ec == http::error::body_limit)
      return send(problem(http::status::payload_too_large, "the body is larger than 1 MiB", 11, false));
    if (ec == http::error::header_limit)
      return send(problem(http::status::request_header_fields_too_large,
                          "the request line and headers are too large", 11, false));
    if (ec)
      return send(problem(http::status::bad_request, "malformed HTTP request: " + ec.message(), 11,
                          false));
    ++server_.in_flight_;
    auto self = shared_from_this();
    server_.handler_->handle(parser_->release(), [self](HttpResponse res) {
      // Inline when answered on the connection's thread (queries); posted
      // when a command answers from the log's thread.
      net::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        --self->server_.in_flight_;
        if (self->server_.stopping_) res.keep_alive(false);
        self->send(std::move(res));
      });
    });
  }

  void send(HttpResponse res) {
    res_ = std::make_shared<HttpResponse>(std::move(res));
    stream_.expires_after(server_.options_.read_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    if (ec) return do_close();
    const bool keep = res_->keep_alive();
    res_.reset();
    if (!keep) return do_linger();
    do_read();
  }

  // After an error response the client may still be sending (a 2 MiB body
  // we refused). Closing with unread bytes makes the kernel send RST, which
  // can destroy our response before the client reads it; so stop sending,
  // drain what arrives for a short, bounded while, then close.
  void do_linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    linger_until_ = std::chrono::steady_clock::now() + kLinger;
    do_drain();
  }

  void do_drain() {
    stream_.expires_at(linger_until_);
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->do_close();
                              self->do_drain();
                            });
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  static constexpr auto kLinger = std::chrono::seconds(2);
  std::chrono::steady_clock::time_point linger_until_;
  std::array<char, 16384> drain_buffer_;

  beast::tcp_stream stream_;
  HttpServer& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpResponse> res_;
};

namespace {

Counter& accept_failures() {
  static Counter& c = metrics().counter("aftercare_http_accept_failures_total",
                                        "Connections that could not be accepted (e.g. out of file descriptors)");
  return c;
}

std::vector<std::unique_ptr<net::io_context>> make_contexts(int threads) {
  std::vector<std::unique_ptr<net::io_context>> out;
  for (int i = 0; i < std::max(1, threads); ++i) out.push_back(std::make_unique<net::io_context>(1));
  return out;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options)
    : options_(std::move(options)), iocs_(make_contexts(options_.threads)), acceptor_(*iocs_[0]) {}

HttpServer::~HttpServer() { stop(std::chrono::milliseconds(0)); }

Status HttpServer::listen() {
  if (listening_) return Status::ok();
  beast::error_code ec;
  auto address = net::ip::make_address(options_.host, ec);
  if (ec) return {Errc::invalid_argument, "bad listen address " + options_.host};
  const tcp::endpoint endpoint{address, options_.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec == net::error::address_in_use)
    return {Errc::unavailable, options_.host + ":" + std::to_string(options_.port) +
                                   " is already in use (another aftercare serve?): stop that process or "
                                   "choose another address with --listen HOST:PORT"};
  if (ec) return {Errc::io_error, "cannot listen on " + options_.host + ":" +
                                      std::to_string(options_.port) + ": " + ec.message()};
  port_ = acceptor_.local_endpoint().port();
  listening_ = true;
  return Status::ok();
}

Status HttpServer::start(Handler& handler) {
  if (Status s = listen(); !s) return s;
  handler_ = &handler;
  accept_backoff_ = std::make_unique<net::steady_timer>(*iocs_[0]);
  do_accept();
  for (auto& ioc : iocs_) {
    work_.push_back(net::make_work_guard(*ioc));
    threads_.emplace_back([&ioc = *ioc] { ioc.run(); });
  }
  return Status::ok();
}

void HttpServer::do_accept() {
  net::io_context& home = *iocs_[next_ioc_++ % iocs_.size()];
  acceptor_.async_accept(home, [this](beast::error_code ec, tcp::socket socket) {
    if (stopping_) return;
    if (!ec) {
      if (connections_.load() >= options_.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), *this)->start();
      }
    } else if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
               ec == net::error::no_memory || ec.value() == ENFILE) {
      // Out of file descriptors: accepting again at once would fail again at
      // once (a busy loop that floods the log). Wait for connections to close.
      accept_failures().inc();
      const auto now = std::chrono::steady_clock::now();
      if (now - last_accept_warning_ > std::chrono::seconds(10)) {
        last_accept_warning_ = now;
        log_warn("http.accept_failed", {{"error", ec.message()},
                                        {"open_connections", std::to_string(connections_.load())},
                                        {"retry_in_ms", "100"}});
      }
      accept_backoff_->expires_after(std::chrono::milliseconds(100));
      accept_backoff_->async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopping_) do_accept();
      });
      return;
    } else if (ec != net::error::operation_aborted) {
      accept_failures().inc();
      log_warn("http.accept_failed", {{"error", ec.message()}});
    }
    do_accept();
  });
}

void HttpServer::stop(std::chrono::milliseconds drain) {
  if (stopping_.exchange(true) && threads_.empty()) return;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    if (accept_backoff_) accept_backoff_->cancel();
  });
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  work_.clear();
  for (auto& ioc : iocs_) ioc->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void HttpServer::post(std::function<void()> task) {
  net::post(*iocs_[next_post_.fetch_add(1, std::memory_order_relaxed) % iocs_.size()], std::move(task));
}

}  // namespace aftercare
