#include "notify/http_post.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace aftercare {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr size_t kMaxResponseBody = 64 * 1024;  // a receiver's answer is read and dropped

struct HttpPoster::Impl {
  WebhookUrl url;
  std::chrono::milliseconds timeout;
  net::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the queued operation to completion; the stream's expiry (or the
  // resolver's cancel) bounds it.
  void run() {
    ioc.restart();
    ioc.run();
  }

  beast::error_code connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    bool resolved = false;
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             resolved = true;
                           });
    ioc.restart();
    ioc.run_for(timeout);
    if (!resolved) {
      resolver.cancel();
      run();
      return net::error::timed_out;
    }
    if (ec) return ec;
    stream = std::make_unique<beast::tcp_stream>(ioc);
    stream->expires_after(timeout);
    stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (!ec) stream->socket().set_option(tcp::no_delay(true), ec);
    return ec;
  }

  void drop() {
    if (!stream) return;
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.reset();
    buffer.clear();
  }
};

HttpPoster::HttpPoster(WebhookUrl url, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->timeout = timeout;
}

HttpPoster::~HttpPoster() { impl_->drop(); }

PostResult HttpPoster::post(std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers) {
  const auto started = std::chrono::steady_clock::now();
  PostResult out;
  auto finish = [&](beast::error_code ec) {
    out.latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (ec) {
      out.status = 0;
      out.error = ec == beast::error::timeout || ec == net::error::timed_out ? "timeout" : ec.message();
      impl_->drop();
    }
    return out;
  };
  http::request<http::string_body> req{http::verb::post, impl_->url.target, 11};
  const bool default_port = impl_->url.port == 80;
  const bool v6 = impl_->url.host.find(':') != std::string::npos;
  req.set(http::field::host, (v6 ? "[" + impl_->url.host + "]" : impl_->url.host) +
                                 (default_port ? "" : ":" + std::to_string(impl_->url.port)));
  req.set(http::field::user_agent, "aftercare-webhooks/1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(true);
  req.body() = std::string(body);
  req.prepare_payload();
  // A kept-alive connection the receiver closed meanwhile fails the write
  // or the read at once: one fresh connection is tried before giving up.
  for (int round = 0; round < 2; ++round) {
    const bool reused = impl_->stream != nullptr;
    if (!impl_->stream)
      if (beast::error_code ec = impl_->connect()) return finish(ec);
    beast::error_code ec;
    impl_->stream->expires_after(impl_->timeout);
    http::async_write(*impl_->stream, req, [&](beast::error_code e, size_t) { ec = e; });
    impl_->run();
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    if (!ec) {
      http::async_read(*impl_->stream, impl_->buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
      impl_->run();
    }
    const bool stale = reused && (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
                                  ec == net::error::broken_pipe || ec == net::error::eof);
    if (stale && round == 0) {
      impl_->drop();
      continue;
    }
    if (ec) return finish(ec);
    out.status = static_cast<int>(parser.get().result_int());
    if (!parser.get().keep_alive()) impl_->drop();
    return finish({});
  }
  return finish(net::error::connection_aborted);
}

}  // namespace aftercare
