#include "tests/webhook_receiver.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace aftercare::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct WebhookReceiver::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::mutex mu;
  std::vector<std::shared_ptr<tcp::socket>> sockets;  // closed on destruction, to end their threads
};

WebhookReceiver::WebhookReceiver() : impl_(std::make_unique<Impl>()) {
  const tcp::endpoint at(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(at.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(at);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  acceptor_ = std::thread([this] {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(impl_->ioc);
      beast::error_code ec;
      impl_->acceptor.accept(*socket, ec);
      if (stop_) return;
      if (ec) continue;
      std::lock_guard lock(impl_->mu);
      impl_->sockets.push_back(socket);
      const int index = static_cast<int>(impl_->sockets.size() - 1);
      threads_.emplace_back([this, index] { serve(index); });
    }
  });
}

WebhookReceiver::~WebhookReceiver() {
  stop_ = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  // A blocked accept() is not woken by close() everywhere: connect once.
  {
    net::io_context ioc;
    tcp::socket poke(ioc);
    poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
  }
  acceptor_.join();
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sockets) s->shutdown(tcp::socket::shutdown_both, ec);
  }
  for (auto& t : threads_) t.join();
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<WebhookReceiver::Hit> WebhookReceiver::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

size_t WebhookReceiver::count() const {
  std::lock_guard lock(mu_);
  return hits_.size();
}

bool WebhookReceiver::wait_for(const std::function<bool(const std::vector<Hit>&)>& done,
                               std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done(hits())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done(hits());
}

void WebhookReceiver::serve(int index) {
  std::shared_ptr<tcp::socket> socket;
  {
    std::lock_guard lock(impl_->mu);
    socket = impl_->sockets[index];
  }
  beast::flat_buffer buffer;
  while (!stop_) {
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(*socket, buffer, req, ec);
    if (ec) return;
    Hit hit{req.body(), std::string(req["X-Aftercare-Signature"]), std::string(req["X-Aftercare-Attempt"]),
            std::string(req["X-Aftercare-Webhook"]), std::string(req[http::field::content_type]), 0};
    const Mode mode = mode_;
    if (mode == Mode::hang) {
      {
        std::lock_guard lock(mu_);
        hits_.push_back(std::move(hit));
      }
      // No answer: the client times out and drops the connection.
      while (!stop_ && mode_ == Mode::hang) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return;
    }
    if (delay_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    http::response<http::string_body> res{mode == Mode::ok ? http::status::no_content : http::status::internal_server_error,
                                          req.version()};
    res.keep_alive(req.keep_alive());
    if (mode != Mode::ok) res.body() = "receiver is down";
    res.prepare_payload();
    hit.answered = static_cast<int>(res.result_int());
    {
      std::lock_guard lock(mu_);
      hits_.push_back(std::move(hit));
    }
    http::write(*socket, res, ec);
    if (ec || !req.keep_alive()) return;
  }
}

}  // namespace aftercare::testing
