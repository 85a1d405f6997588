// Hostile input over raw sockets against a running server (the ASan+UBSan
// build under `make test`). Every case must get a 4xx or a closed
// connection — never a 5xx, a crash or a hang — and the server must keep
// serving normal traffic, fast, while it happens.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <iostream>
#include <string>
#include <vector>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using Clock = std::chrono::steady_clock;

// One raw TCP connection to the server.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // Sends what it can; a server that closes early makes the rest fail, which is fine.
  void send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  // Everything the server sends until it closes, or until `timeout` passes
  // (then `timed_out` is set).
  std::string receive(std::chrono::milliseconds timeout, bool* timed_out) {
    std::string out;
    const auto deadline = Clock::now() + timeout;
    *timed_out = false;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        *timed_out = true;
        return out;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
      // One response is enough once its body is complete (keep-alive would not close).
      const size_t head = out.find("\r\n\r\n");
      const size_t cl = out.find("Content-Length: ");
      if (head != std::string::npos && cl != std::string::npos && cl < head) {
        const size_t len = std::stoul(out.substr(cl + 16));
        if (out.size() >= head + 4 + len) return out;
      }
    }
  }

 private:
  int fd_ = -1;
};

// The status of the first response in `reply`, 0 when there is none.
int status_of(const std::string& reply) {
  if (!reply.starts_with("HTTP/1.1 ") || reply.size() < 12) return 0;
  return std::stoi(reply.substr(9, 3));
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string post(const std::string& target, const std::string& body,
                 const std::string& content_type = "application/json") {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdminToken +
         "\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdminToken +
         "\r\nConnection: close\r\n\r\n";
}

struct Case {
  const char* name;
  std::string bytes;
};

std::vector<Case> hostile_cases() {
  const std::string open_body =
      R"({"customer_id":"C-1","channel":"web","type":"repair","description":"X"})";
  auto with_description = [&](const std::string& raw) {
    std::string b = open_body;
    b.replace(b.find("\"X\""), 3, raw);
    return b;
  };
  return {
      {"deep nesting", post("/v1/requests", repeat("[", 100000) + repeat("]", 100000))},
      {"deep nesting in a field", post("/v1/requests", with_description(repeat("{\"a\":", 5000) + "1" + repeat("}", 5000)))},
      {"invalid UTF-8", post("/v1/requests", with_description("\"\xff\xfe\xc3\x28\""))},
      {"overlong UTF-8", post("/v1/requests", with_description("\"\xc0\xaf\""))},
      {"lone high surrogate", post("/v1/requests", with_description(R"("\ud800")"))},
      {"lone low surrogate", post("/v1/requests", with_description(R"("\udc00x")"))},
      {"huge number", post("/v1/requests/R-1/report", R"({"outcome":"resolved","work_minutes":1e999})")},
      {"huge integer", post("/v1/requests/R-1/report", R"({"outcome":"resolved","work_minutes":123456789012345678901234567890})")},
      {"negative zero and exponents", post("/v1/requests/R-1/report", R"({"outcome":"resolved","work_minutes":-0.0e-400})")},
      {"NUL in JSON string", post("/v1/requests", with_description(std::string("\"a\0b\"", 5)))},
      {"NUL outside JSON", post("/v1/requests", open_body + std::string("\0", 1))},
      {"NUL in the request line", std::string("GET /v1/requests") + '\0' + "/x HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"duplicate keys", post("/v1/requests", R"({"customer_id":"C-1","customer_id":"C-2","channel":"web","type":"repair"})")},
      {"wrong types", post("/v1/requests", R"({"customer_id":7,"channel":["web"],"type":null})")},
      {"not an object", post("/v1/requests", R"("just a string")")},
      {"empty body", post("/v1/requests", "")},
      {"truncated JSON", post("/v1/requests", R"({"customer_id":"C-1","chan)")},
      {"wrong content type", post("/v1/requests", open_body, "text/plain")},
      {"declared 1 GB body", "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                 std::string(kAdminToken) +
                                 "\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{\"a\":"},
      {"2 MiB chunked body", "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                 std::string(kAdminToken) +
                                 "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                 repeat("10000\r\n" + std::string(0x10000, ' ') + "\r\n", 32) + "0\r\n\r\n"},
      {"negative content length", "POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"},
      {"20,000 headers", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + repeat("X-A: b\r\n", 20000) + "\r\n"},
      {"one 100 KB header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n"},
      {"100 KB path", get("/v1/requests/" + std::string(100000, 'a'))},
      {"unknown method", "BREW /v1/requests HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"method not allowed", "DELETE /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                 std::string(kAdminToken) + "\r\n\r\n"},
      {"path traversal", get("/v1/requests/../../etc/passwd")},
      {"encoded path traversal", get("/v1/requests/%2e%2e%2f%2e%2e%2fetc%2fpasswd")},
      {"absolute-form target", get("http://evil.example/v1/requests")},
      {"TLS client hello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(500, '\x42')},
      {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
      {"garbage", std::string(4096, '\x7f')},
      {"bad query escape", get("/v1/requests?status=%zz")},
      {"bad limit", get("/v1/requests?limit=-1")},
      {"huge limit", get("/v1/requests?limit=99999999999999999999")},
      {"bad cursor", get("/v1/requests?cursor=%00%ff")},
      {"unknown filter value", get("/v1/requests?status=exploded")},
      {"bad as_of", get("/v1/requests/R-1?as_of=yesterday")},
      {"bad stats range", get("/v1/stats/problems?from=2026-13-45T99:00:00Z")},
      {"bad position token", "GET /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                 std::string(kAdminToken) + "\r\nX-Min-Position: r99999999999:1,zz\r\n\r\n"},
      {"bad If-Match", "POST /v1/requests/R-1/resume HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                           std::string(kAdminToken) +
                           "\r\nIf-Match: \"-1\"\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"},
      {"bad token", "GET /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x01\x02\r\n\r\n"},
      {"HTTP/0.9", "GET /healthz\r\n\r\n"},
      // Every header that reaches an event's envelope, with bytes that are not UTF-8.
      {"X-Correlation-Id not UTF-8", "PUT /v1/customers/C-2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                         std::string(kAdminToken) + "\r\nX-Correlation-Id: abc\xff\xfe\r\n"
                                         "Content-Type: application/json\r\nContent-Length: 29\r\n\r\n"
                                         "{\"name\":\"a\",\"region\":\"north\"}"},
      {"Idempotency-Key not UTF-8", "PUT /v1/customers/C-2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                        std::string(kAdminToken) + "\r\nIdempotency-Key: k\xc3\x28\r\n"
                                        "Content-Type: application/json\r\nContent-Length: 29\r\n\r\n"
                                        "{\"name\":\"a\",\"region\":\"north\"}"},
      {"id not UTF-8", "PUT /v1/customers/C%FF%FE HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                           std::string(kAdminToken) + "\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n"
                           "{\"name\":\"a\",\"region\":\"north\"}"},
      {"control byte in a header", "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                       std::string(kAdminToken) + "\r\nX-Correlation-Id: a\x01b\r\n"
                                       "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"},
      {"If-Match not UTF-8", "PUT /v1/customers/C-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                 std::string(kAdminToken) + "\r\nIf-Match: \"\xff\"\r\n"
                                 "Content-Type: application/json\r\nContent-Length: 29\r\n\r\n"
                                 "{\"name\":\"a\",\"region\":\"north\"}"},
      {"bare LF line ends", "GET /healthz HTTP/1.1\nHost: x\n\n"},
  };
}

class HostileTest : public ::testing::Test {
 protected:
  TempDir tmp;
  ServerProcess server{tmp.sub("data")};

  void SetUp() override {
    ASSERT_EQ(server.call(http::verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"W","region":"north"})").status, 201);
  }
  void expect_alive() {
    const auto start = Clock::now();
    EXPECT_EQ(server.call(http::verb::get, "/healthz", "").status, 200);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  }
};

TEST_F(HostileTest, EveryCaseGetsA4xxOrAClosedConnection) {
  for (const auto& c : hostile_cases()) {
    RawSocket s(server.port());
    ASSERT_TRUE(s.ok()) << c.name << ": cannot connect; the server is gone";
    s.send(c.bytes);
    bool timed_out = false;
    const std::string reply = s.receive(std::chrono::seconds(15), &timed_out);
    const int status = status_of(reply);
    std::cout << "  " << c.name << ": " << (status ? std::to_string(status) : "closed") << "\n";
    EXPECT_FALSE(timed_out) << c.name << ": no answer and no close within 15 s";
    EXPECT_TRUE(status == 0 || (status >= 400 && status < 500))
        << c.name << ": got " << reply.substr(0, 300);
    if (status != 0) {
      EXPECT_NE(reply.find("application/problem+json"), std::string::npos) << c.name << ": " << reply.substr(0, 300);
    }
    expect_alive();
  }
}

// One exchange on a fresh connection that the server closes after answering.
std::string exchange(uint16_t port, const std::string& request) {
  RawSocket s(port);
  s.send(request);
  bool timed_out = false;
  return s.receive(std::chrono::seconds(10), &timed_out);
}

std::string header_of(const std::string& reply, const std::string& name) {
  const size_t at = reply.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "<absent>";
  const size_t from = at + name.size() + 4;
  return reply.substr(from, reply.find("\r\n", from) - from);
}

TEST_F(HostileTest, TheProtocolDetailsAClientReliesOn) {
  const std::string auth = "Authorization: Bearer " + std::string(kAdminToken) + "\r\n";
  // HEAD: the headers of GET, its Content-Length, and no body. (First wait
  // until the read model has the customer that SetUp wrote.)
  for (int i = 0; i < 100 && server.call(http::verb::get, "/v1/customers/C-1", kAdminToken).status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string get = exchange(server.port(), "GET /v1/customers/C-1 HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n");
  const std::string head = exchange(server.port(), "HEAD /v1/customers/C-1 HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n");
  ASSERT_EQ(status_of(get), 200) << get;
  EXPECT_EQ(status_of(head), 200) << head;
  const std::string get_body = get.substr(get.find("\r\n\r\n") + 4);
  EXPECT_EQ(header_of(head, "Content-Length"), std::to_string(get_body.size())) << head;
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "") << "a HEAD answer has no body";
  EXPECT_EQ(status_of(exchange(server.port(), "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")), 200);

  // 405 says what is allowed.
  const std::string del = exchange(server.port(), "DELETE /v1/requests HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n");
  EXPECT_EQ(status_of(del), 405);
  EXPECT_EQ(header_of(del, "Allow"), "GET, HEAD, POST") << del;
  const std::string put_health = exchange(server.port(), "PUT /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(header_of(put_health, "Allow"), "GET, HEAD") << put_health;

  // If-Match: * means "if it exists".
  const std::vector<std::pair<std::string, std::string>> any = {{"If-Match", "*"}, {"Content-Type", "application/json"}};
  EXPECT_EQ(server.call(http::verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"W2","region":"north"})", any).status, 200);
  EXPECT_EQ(server.call(http::verb::put, "/v1/customers/C-404", kAdminToken, R"({"name":"X","region":"north"})", any).status, 412);

  // The auth scheme is case-insensitive.
  for (const char* scheme : {"bearer", "BEARER", "Bearer"}) {
    const std::string r = exchange(server.port(), "GET /v1/customers/C-1 HTTP/1.1\r\nHost: x\r\nAuthorization: " + std::string(scheme) +
                                                      " " + kAdminToken + "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(r), 200) << scheme;
  }
  EXPECT_EQ(status_of(exchange(server.port(), "GET /v1/customers/C-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
                                                  std::string(kAdminToken) + "\r\nConnection: close\r\n\r\n")),
            401);
}

TEST_F(HostileTest, SlowClientsDoNotStarveNormalTraffic) {
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 200; ++i) {
    auto s = std::make_unique<RawSocket>(server.port());
    ASSERT_TRUE(s->ok());
    s->send("POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"customer_id\":");
    slow.push_back(std::move(s));
  }
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    Reply r = server.call(http::verb::post, "/v1/requests", kAdminToken,
                          R"({"customer_id":"C-1","channel":"web","type":"repair"})");
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(1)) << "a normal command while 200 clients stall";
    expect_alive();
  }
  // The stalled requests are cut off by the read deadline, with a 4xx or a close.
  bool timed_out = false;
  const std::string reply = slow.front()->receive(std::chrono::seconds(15), &timed_out);
  EXPECT_FALSE(timed_out);
  const int status = status_of(reply);
  EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << reply.substr(0, 200);
}

// CPU seconds a process has used (user + system), from /proc.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

TEST(DescriptorTest, RunningOutOfFileDescriptorsBacksOffInsteadOfSpinning) {
  TempDir tmp;
  ServerOptions options;
  options.prefix = {"/usr/bin/prlimit", "--nofile=64:64"};
  options.capture_stderr = true;
  ServerProcess server(tmp.sub("data"), "", options);
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 120; ++i) {
    held.push_back(std::make_unique<RawSocket>(server.port()));
    ASSERT_TRUE(held.back()->ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double before = cpu_seconds(server.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double used = cpu_seconds(server.pid()) - before;
  EXPECT_LT(used, 0.5) << "the accept loop spins while out of descriptors";
  const std::string output = server.drain_output();
  size_t warnings = 0;
  for (size_t at = 0; (at = output.find("http.accept_failed", at)) != std::string::npos; ++at) ++warnings;
  EXPECT_GE(warnings, 1u);
  EXPECT_LE(warnings, 3u) << "one warning per 10 s, not one per failed accept";
  held.clear();  // descriptors come back; the server serves again and has counted the failures
  Reply metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = server.call(http::verb::get, "/metrics", "");
    if (metrics.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(metrics.status, 200);
  const size_t at = metrics.body.find("\naftercare_http_accept_failures_total ");
  ASSERT_NE(at, std::string::npos) << metrics.body.substr(0, 500);
  EXPECT_GT(std::stod(metrics.body.substr(at + 39)), 0.0);
}

}  // namespace
}  // namespace aftercare
