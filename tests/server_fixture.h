// Runs the real `aftercare serve` as a child process on a free port, with a
// tokens file of every role, and talks HTTP to it.
#pragma once

#include <chrono>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "tests/openapi_check.h"
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
inline const char* kNorthWarehouseToken = "warehouse-north-token-0123456789";
inline const char* kCustomerCNToken = "customer-c-n-token-0123456789";  // the portal's customer C-N

// Which event log a test's server runs on.
enum class LogMode { embedded, kafka };
std::string log_mode_name(const ::testing::TestParamInfo<LogMode>& info);
inline void PrintTo(LogMode m, std::ostream* os) { *os << (m == LogMode::kafka ? "kafka" : "embedded"); }

// `aftercare dev-broker` as a child process: an in-memory Kafka cluster.
class DevBroker {
 public:
  // `without_topic`: a topic left out, as on a cluster set up by an older version.
  explicit DevBroker(int partitions = 4, int brokers = 1, const std::string& without_topic = "");
  const std::string& bootstrap() const { return bootstrap_; }
  // A fault-injection command ("down 1", "errors produce 3 NOT_LEADER_FOR_PARTITION");
  // true when the broker answered "ok".
  bool control(const std::string& command);
  void pause();   // SIGSTOP: the process stops answering, connections stay open
  void resume();  // SIGCONT

 private:
  std::unique_ptr<Child> child_;
  std::string bootstrap_;
};

struct ServerOptions {
  bool wait_ready = true;           // wait for /readyz (false: for "listening on" only)
  std::vector<std::string> prefix;  // runs serve under this command (e.g. prlimit ...)
  // stderr to the same pipe as stdout, for drain_output(). Read it: a full
  // pipe would block the server's logging.
  bool capture_stderr = false;
};

class ServerProcess {
 public:
  // Starts `aftercare serve` on `data_dir` and waits for "listening on" and
  // /readyz. With `kafka` (bootstrap servers), on Kafka instead of the embedded log.
  explicit ServerProcess(const std::string& data_dir, const std::string& kafka = "",
                         const ServerOptions& options = {});
  pid_t pid() const { return child_->pid(); }
  // Lines the server printed (stdout and stderr) until now, without waiting
  // long — the first call includes those printed before "listening on".
  std::string drain_output(int timeout_ms = 200);
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
  // Every response call() receives is checked against it (tests/openapi_check.h).
  static const OpenApiCheck* served_document(uint16_t port);

  std::unique_ptr<Child> child_;
  uint16_t port_ = 0;
  std::string startup_;  // lines read before "listening on", for drain_output()
};

// A fixture for tests that run on both logs: a server on a fresh data
// directory, on the embedded log or on a dev broker of its own.
class ServerOnEitherLog : public ::testing::TestWithParam<LogMode> {
 protected:
  TempDir tmp;
  std::unique_ptr<DevBroker> broker =
      GetParam() == LogMode::kafka ? std::make_unique<DevBroker>() : nullptr;
  std::string kafka() const { return broker ? broker->bootstrap() : ""; }
  std::unique_ptr<ServerProcess> server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
};

// The log options of a replay or audit run against the same log as a server.
std::vector<std::string> log_args(const std::string& data_dir, const DevBroker* broker);

// A top-level field of a JSON object, as text: strings unquoted, null as
// "null", objects and arrays minified; "<absent>" or "<not json>" otherwise.
std::string field(const std::string& json, const char* name);

// The union of two X-Position tokens. Partitions are applied independently
// (on Kafka, each at its own pace), so a client that reads all of its
// writes waits for the union of their positions, not only the last one.
std::string merge_positions(const std::string& a, const std::string& b);

// Runs the aftercare binary with `args`; its exit code, and stdout and stderr.
int run_aftercare(const std::vector<std::string>& args, std::string* output = nullptr);

// `args` followed by the log options of a server on `data_dir` (and `broker`).
std::vector<std::string> with_log_args(std::vector<std::string> args, const std::string& data_dir, const DevBroker* broker);
// After the server on `data_dir` stopped: every read model rebuilt from the
// log is byte-identical to the live one, and every hash chain verifies.
void expect_rebuild_and_chains_verify(const std::string& data_dir, const DevBroker* broker);

}  // namespace aftercare::testing
