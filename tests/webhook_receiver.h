// A real HTTP receiver for webhook tests: listens on 127.0.0.1, keeps
// connections alive, records every request it receives, and answers as its
// mode says — 204, 500, or not at all (it hangs until the mode changes).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aftercare::testing {

class WebhookReceiver {
 public:
  enum class Mode { ok, fail, hang };
  struct Hit {
    std::string body, signature, attempt, webhook, content_type;
    int answered = 0;  // 0: not answered (hang)
  };

  WebhookReceiver();
  ~WebhookReceiver();
  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;

  void set_mode(Mode m) { mode_ = m; }
  // Each answer waits this long first (a slow receiver).
  void set_delay(std::chrono::milliseconds d) { delay_ms_ = static_cast<int>(d.count()); }
  std::vector<Hit> hits() const;
  size_t count() const;
  // Waits until `done(hits)` holds (true) or `timeout` passes (false).
  bool wait_for(const std::function<bool(const std::vector<Hit>&)>& done, std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  void serve(int connection);

  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<Mode> mode_{Mode::ok};
  std::atomic<int> delay_ms_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Hit> hits_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace aftercare::testing
