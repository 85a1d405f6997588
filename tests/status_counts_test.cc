// The example analytics consumer (examples/status_counts) against traffic
// through `serve --kafka`: its counts match what happened.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

class StatusCountsTest : public ::testing::Test {
 protected:
  TempDir tmp;
  DevBroker broker{4};
  ServerProcess server{tmp.sub("data"), broker.bootstrap()};

  std::string call(verb method, const std::string& path, const std::string& body) {
    Reply r = server.call(method, path, kAdminToken, body);
    EXPECT_LT(r.status, 300) << path << ": " << r.body;
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    std::string_view id;
    if (p.parse(r.body).get(doc) || doc["id"].get_string().get(id)) return "";
    return std::string(id);
  }
  std::string open(const std::string& customer) {
    return call(verb::post, "/v1/requests", R"({"customer_id":")" + customer + R"(","channel":"web","type":"repair"})");
  }
  // The consumer's last report, once it has been idle for a while.
  std::string counts(const std::string& group) {
    Child consumer({STATUS_COUNTS_BINARY, "--bootstrap", broker.bootstrap(), "--group", group, "--json",
                    "--every", "1", "--exit-when-idle", "1500"});
    std::string line, last;
    while (consumer.read_line(line, 60000)) last = line;
    EXPECT_EQ(consumer.wait(), 0);
    return last;
  }
};

TEST_F(StatusCountsTest, CountsRequestsByRegionAndStatus) {
  call(verb::put, "/v1/customers/N-1", R"({"name":"North","region":"north"})");
  call(verb::put, "/v1/customers/S-1", R"({"name":"South","region":"south"})");
  call(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true})");
  std::vector<std::string> north;
  for (int i = 0; i < 5; ++i) north.push_back(open("N-1"));
  for (int i = 0; i < 3; ++i) open("S-1");
  call(verb::post, "/v1/requests/" + north[0] + "/assign", R"({"engineer_id":"E-7"})");
  call(verb::post, "/v1/requests/" + north[1] + "/assign", R"({"engineer_id":"E-7"})");
  call(verb::post, "/v1/requests/" + north[1] + "/report", R"({"outcome":"resolved"})");
  call(verb::post, "/v1/requests/" + north[2] + "/suspend", R"({"reason":"abroad"})");
  call(verb::post, "/v1/requests/" + north[3] + "/cancel", R"({"reason":"duplicate"})");
  call(verb::post, "/v1/requests/" + north[2] + "/resume", "{}");
  call(verb::post, "/v1/requests/" + north[2] + "/suspend", R"({"reason":"abroad again"})");

  EXPECT_EQ(counts("first"),
            R"({"north":{"assigned":1,"awaiting_assignment":1,"cancelled":1,"processed":1,"suspended":1},)"
            R"("south":{"awaiting_assignment":3}})");

  // Later events move the counts; a new group reads everything from the start.
  call(verb::post, "/v1/requests/" + north[1] + "/callback", R"({"satisfied":true})");
  call(verb::post, "/v1/requests/" + north[2] + "/resume", "{}");
  // Two failed attempts lock: one reported.v2 event that says so.
  for (int attempt = 0; attempt < 2; ++attempt) {
    call(verb::post, "/v1/requests/" + north[4] + "/assign", R"({"engineer_id":"E-7"})");
    call(verb::post, "/v1/requests/" + north[4] + "/report", R"({"outcome":"unresolved"})");
  }
  EXPECT_EQ(counts("second"),
            R"({"north":{"assigned":1,"awaiting_assignment":1,"cancelled":1,"closed":1,"locked":1},)"
            R"("south":{"awaiting_assignment":3}})");
}

}  // namespace
}  // namespace aftercare
