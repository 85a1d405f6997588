#include "tests/server_fixture.h"

#include <simdjson.h>

#include "eventstore/event_log.h"

#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>

#include <fstream>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace aftercare::testing {

namespace net = boost::asio;
namespace beast = boost::beast;

struct HttpClient::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

HttpClient::~HttpClient() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
}

Reply HttpClient::send(http::verb method, const std::string& target, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() || method == http::verb::post || method == http::verb::put) req.prepare_payload();
  impl_->stream.expires_after(std::chrono::seconds(30));
  beast::error_code write_error;
  // The server may answer (413) and stop reading before the body is sent:
  // read its answer anyway.
  http::write(impl_->stream, req, write_error);
  http::response<http::string_body> res;
  http::read(impl_->stream, impl_->buffer, res);
  Reply r;
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  for (const auto& f : res) r.headers.set(f.name_string(), f.value());
  return r;
}

std::string log_mode_name(const ::testing::TestParamInfo<LogMode>& info) {
  return info.param == LogMode::kafka ? "Kafka" : "Embedded";
}

DevBroker::DevBroker(int partitions, int brokers, const std::string& without_topic) {
  std::vector<std::string> argv{AFTERCARE_BINARY, "dev-broker", "--partitions", std::to_string(partitions),
                                "--brokers", std::to_string(brokers)};
  if (!without_topic.empty()) argv.insert(argv.end(), {"--without-topic", without_topic});
  child_ = std::make_unique<Child>(argv);
  if (!child_->read_line(bootstrap_, 30000) || bootstrap_.empty())
    throw std::runtime_error("aftercare dev-broker did not start");
}

bool DevBroker::control(const std::string& command) {
  std::string answer;
  return child_->write_line(command) && child_->read_line(answer, 10000) && answer == "ok";
}

void DevBroker::pause() { ::kill(child_->pid(), SIGSTOP); }
void DevBroker::resume() { ::kill(child_->pid(), SIGCONT); }

std::vector<std::string> log_args(const std::string& data_dir, const DevBroker* broker) {
  std::vector<std::string> args{"--data", data_dir};
  if (broker) {
    args.push_back("--kafka");
    args.push_back(broker->bootstrap());
  }
  return args;
}

ServerProcess::ServerProcess(const std::string& data_dir, const std::string& kafka,
                             const ServerOptions& options) {
  const std::string tokens = data_dir + ".tokens.json";
  std::ofstream(tokens) << R"([
    {"token": ")" << kAdminToken << R"(", "role": "admin", "name": "root"},
    {"token": ")" << kAgentToken << R"(", "role": "agent", "name": "ann"},
    {"token": ")" << kAuditorToken << R"(", "role": "auditor", "name": "aud"},
    {"token": ")" << kNorthDispatcherToken << R"(", "role": "dispatcher", "name": "dan", "regions": ["north"]},
    {"token": ")" << kManagerToken << R"(", "role": "manager", "name": "meg"},
    {"token": ")" << kEngineerE7Token << R"(", "role": "engineer", "name": "li", "engineer_id": "E-7"},
    {"token": ")" << kEngineerE8Token << R"(", "role": "engineer", "name": "wu", "engineer_id": "E-8"},
    {"token": ")" << kSouthAgentToken << R"(", "role": "agent", "name": "sam", "regions": ["south"]},
    {"token": ")" << kNorthWarehouseToken << R"(", "role": "warehouse", "name": "wes", "regions": ["north"]},
    {"token": ")" << kCustomerCNToken << R"(", "role": "customer", "customer_id": "C-N"}
  ])";
  std::vector<std::string> argv = options.prefix;
  for (const char* a : {AFTERCARE_BINARY, "serve", "--listen", "127.0.0.1:0", "--data"}) argv.push_back(a);
  for (const std::string& a : {data_dir, std::string("--tokens"), tokens, std::string("--threads"), std::string("2")})
    argv.push_back(a);
  if (kafka.empty()) {  // on Kafka the topics' partition count is the log's
    argv.push_back("--partitions");
    argv.push_back("4");
  }
  if (!kafka.empty()) {
    argv.push_back("--kafka");
    argv.push_back(kafka);
  }
  child_ = std::make_unique<Child>(argv, options.capture_stderr);
  std::string line;
  while (child_->read_line(line, 30000)) {
    if (line.starts_with("listening on ")) {
      port_ = static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
      break;
    }
    startup_ += line + "\n";
  }
  if (port_ == 0) throw std::runtime_error("aftercare serve did not start");
  if (!options.wait_ready) return;
  // Commands are refused until the write side has caught up: wait for ready.
  for (int i = 0; i < 300; ++i) {
    HttpClient c(port_);
    if (c.send(http::verb::get, "/readyz").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("aftercare serve did not become ready");
}

std::string ServerProcess::drain_output(int timeout_ms) {
  std::string out = std::exchange(startup_, ""), line;
  while (child_->read_line(line, timeout_ms)) out += line + "\n";
  return out;
}

ServerProcess::~ServerProcess() {
  if (child_) child_->kill9();
}

int ServerProcess::stop() {
  child_->terminate();
  return child_->wait();
}

void ServerProcess::kill9() {
  child_->kill9();
  child_->wait();
}

Reply ServerProcess::call(http::verb method, const std::string& target, const std::string& token,
                          const std::string& body,
                          std::vector<std::pair<std::string, std::string>> headers) {
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  bool has_type = false;
  for (const auto& [k, v] : headers) has_type |= k == "Content-Type";
  if (!body.empty() && !has_type) headers.emplace_back("Content-Type", "application/json");
  HttpClient c(port_);
  Reply reply = c.send(method, target, body, headers);
  if (const OpenApiCheck* check = served_document(port_)) {
    const std::string why = check->check(method, target, reply.status, reply.headers, reply.body);
    if (!why.empty()) ADD_FAILURE() << "the response does not match /openapi.json: " << why << "\n" << reply.body;
  }
  return reply;
}

// The document is the same for every server of this binary: fetched once.
const OpenApiCheck* ServerProcess::served_document(uint16_t port) {
  static std::mutex mu;
  static std::unique_ptr<OpenApiCheck> document;
  std::lock_guard lock(mu);
  if (!document) {
    HttpClient c(port);
    const Reply r = c.send(http::verb::get, "/openapi.json");
    if (r.status == 200) document = OpenApiCheck::parse(r.body);
    if (r.status == 200 && !document) ADD_FAILURE() << "/openapi.json is not an OpenAPI document";
  }
  return document.get();
}

std::string field(const std::string& json, const char* name) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(json).get(doc)) return "<not json>";
  simdjson::dom::element v;
  if (doc[name].get(v)) return "<absent>";
  if (v.is_null()) return "null";
  if (v.is_string()) return std::string(v.get_string().value());
  if (v.is_int64()) return std::to_string(v.get_int64().value());
  if (v.is_bool()) return v.get_bool().value() ? "true" : "false";
  return simdjson::minify(v);
}

std::string merge_positions(const std::string& a, const std::string& b) {
  auto merged = Position::from_token(a).value_or(Position{});
  const auto more = Position::from_token(b);
  if (!more) throw std::runtime_error("not a position: " + b);
  for (const auto& [tp, offset] : more->entries()) merged.advance(tp, offset);
  return merged.to_token();
}

int run_aftercare(const std::vector<std::string>& args, std::string* output) {
  std::vector<std::string> argv = {AFTERCARE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Child child(argv, /*merge_stderr=*/true);
  std::string line, all;
  // A command that should have ended but serves on (a refusal that did not
  // happen) fails the test after 2 minutes instead of hanging the suite.
  while (child.read_line(line, 120000)) all += line + "\n";
  const int code = child.wait(std::chrono::seconds(10));
  if (code == 137) all += "(killed: still running long after its output ended)\n";
  if (output) *output = all;
  return code;
}

std::vector<std::string> with_log_args(std::vector<std::string> args, const std::string& data_dir, const DevBroker* broker) {
  auto more = log_args(data_dir, broker);
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

void expect_rebuild_and_chains_verify(const std::string& data_dir, const DevBroker* broker) {
  std::string out;
  EXPECT_EQ(run_aftercare(with_log_args({"replay", "--verify"}, data_dir, broker), &out), 0) << out;
  EXPECT_NE(out.find("byte-identical"), std::string::npos) << out;
  EXPECT_EQ(run_aftercare(with_log_args({"audit", "--verify-chains"}, data_dir, broker), &out), 0) << out;
}

}  // namespace aftercare::testing
