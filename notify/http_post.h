// HttpPoster: the webhook deliverer's HTTP client — one keep-alive
// connection to one receiver, every step under a deadline (resolve,
// connect, write, read), so a receiver that hangs costs a timeout and
// never a stuck delivery thread. Not thread-safe: one per deliverer.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "domain/webhook.h"

namespace aftercare {

struct PostResult {
  int status = 0;         // the HTTP status; 0 when there was no answer
  std::string error;      // why there was no answer ("timeout", "connection refused", ...)
  std::chrono::microseconds latency{0};
  bool ok() const { return status >= 200 && status < 300; }
};

class HttpPoster {
 public:
  HttpPoster(WebhookUrl url, std::chrono::milliseconds timeout);
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  PostResult post(std::string_view body, const std::vector<std::pair<std::string, std::string>>& headers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aftercare
