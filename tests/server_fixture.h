// Runs the real `aftercare serve` as a child process on a free port, with a
// tokens file of every role, and talks HTTP to it.
#pragma once

#include <chrono>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>

#include "tests/test_util.h"

namespace aftercare::testing {

namespace http = boost::beast::http;

struct Reply {
  int status = 0;
  std::string body;
  http::fields headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
  }
};

// One keep-alive connection.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port);
  ~HttpClient();
  Reply send(http::verb method, const std::string& target, const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

inline const char* kAdminToken = "admin-token-0123456789";
inline const char* kAgentToken = "agent-token-0123456789";
inline const char* kAuditorToken = "auditor-token-0123456789";
inline const char* kNorthDispatcherToken = "dispatcher-north-0123456789";
inline const char* kManagerToken = "manager-token-0123456789";
inline const char* kEngineerE7Token = "engineer-e7-token-0123456789";
inline const char* kEngineerE8Token = "engineer-e8-token-0123456789";
inline const char* kSouthAgentToken = "agent-south-token-0123456789";

class ServerProcess {
 public:
  // Starts `aftercare serve` on `data_dir` and waits for "listening on".
  explicit ServerProcess(const std::string& data_dir);
  ~ServerProcess();
  uint16_t port() const { return port_; }
  // SIGTERM and wait; the exit code.
  int stop();
  void kill9();

  // A request with a bearer token and JSON body.
  Reply call(http::verb method, const std::string& target, const std::string& token,
             const std::string& body = "",
             std::vector<std::pair<std::string, std::string>> headers = {});

 private:
  std::unique_ptr<Child> child_;
  uint16_t port_ = 0;
};

// Runs the aftercare binary with `args`; its exit code, and stdout and stderr.
int run_aftercare(const std::vector<std::string>& args, std::string* output = nullptr);

}  // namespace aftercare::testing
