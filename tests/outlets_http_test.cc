// Outlets and their certification (api-field.md §Master data), warehouses,
// and the fields engineers and customers gained for dispatch. Both logs.
#include <gtest/gtest.h>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

constexpr const char* kOutlet =
    R"({"name":"Haidian service","region":"north","location":{"lat":39.959,"lon":116.298},"warehouse_id":"W-O1",)"
    R"("skills":["washers","fridges"],"fee_per_visit":{"on_site":8000,"installation":12000,"phone":1000}})";

class OutletsTest : public ServerOnEitherLog {
 protected:
  Reply put(const std::string& path, const std::string& body, const char* token = kAdminToken) {
    return server->call(verb::put, path, token, body, {{"Content-Type", "application/json"}});
  }
  Reply act(const std::string& id, const std::string& action, const std::string& body, const char* token = kAdminToken,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return server->call(verb::post, "/v1/outlets/" + id + "/" + action, token, body, std::move(headers));
  }
};

TEST_P(OutletsTest, CertificationMovesAlongItsArrowsWithReasons) {
  const Reply created = put("/v1/outlets/O-1", kOutlet);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(field(created.body, "status"), "pending");
  EXPECT_EQ(field(created.body, "status_reason"), "null");
  EXPECT_EQ(field(created.body, "fee_per_visit"), R"({"on_site":8000,"installation":12000,"phone":1000})");

  const std::pair<const char*, const char*> steps[] = {
      {"certify", "certified"}, {"suspend", "suspended"}, {"certify", "certified"}, {"suspend", "suspended"}, {"revoke", "revoked"}};
  int version = 1;
  for (const auto& [action, status] : steps) {
    const Reply r = act("O-1", action, R"({"reason":"audit of 2026-11"})");
    ASSERT_EQ(r.status, 200) << action << ": " << r.body;
    EXPECT_EQ(field(r.body, "status"), status);
    EXPECT_EQ(field(r.body, "status_reason"), "audit of 2026-11");
    EXPECT_EQ(r.header("ETag"), "\"" + std::to_string(++version) + "\"");
  }
  const Reply refused = act("O-1", "certify", R"({"reason":"try again"})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(field(refused.body, "current_status"), "revoked");

  // An upsert keeps the status; GET shows both.
  const Reply renamed = put("/v1/outlets/O-1", R"({"name":"Haidian centre","region":"north"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(field(renamed.body, "status"), "revoked");
  const Reply got = server->call(verb::get, "/v1/outlets/O-1", kNorthDispatcherToken, "",
                                 {{"X-Min-Position", renamed.header("X-Position")}});
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(field(got.body, "status"), "revoked");
}

TEST_P(OutletsTest, ActionsAreRefusedClearly) {
  ASSERT_EQ(put("/v1/outlets/O-1", kOutlet).status, 201);
  EXPECT_EQ(act("O-1", "certify", "{}").status, 422) << "a reason is required";
  EXPECT_EQ(act("O-1", "certify", R"({"reason":""})").status, 422);
  EXPECT_EQ(act("O-1", "certify", R"({"reason":7})").status, 400);
  EXPECT_EQ(act("O-1", "certify", "{\"reason\":\"\xc3\x28\"}").status, 400) << "not UTF-8";
  EXPECT_EQ(act("O-1", "certify", R"({"reason":")" + std::string(300, 'r') + "\"}").status, 422);
  EXPECT_EQ(act("O-1", "certify", "[1]").status, 400);
  EXPECT_EQ(act("O-9", "certify", R"({"reason":"x"})").status, 404);
  EXPECT_EQ(act("O-1", "demolish", R"({"reason":"x"})").status, 404);
  EXPECT_EQ(act("O-1", "certify", R"({"reason":"x"})", kManagerToken).status, 403);
  EXPECT_EQ(act("O-1", "certify", R"({"reason":"x"})", kNorthDispatcherToken).status, 403);
  EXPECT_EQ(act("O-1", "suspend", R"({"reason":"x"})").status, 409) << "pending cannot be suspended";
  // A retry with the same key answers as the original did.
  const Reply first = act("O-1", "certify", R"({"reason":"x"})", kAdminToken, {{"Idempotency-Key", "cert-1"}});
  ASSERT_EQ(first.status, 200) << first.body;
  const Reply again = act("O-1", "certify", R"({"reason":"x"})", kAdminToken, {{"Idempotency-Key", "cert-1"}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.header("ETag"), first.header("ETag"));
}

TEST_P(OutletsTest, OutletsAndWarehousesAreSeenByRegion) {
  const Reply outlet = put("/v1/outlets/O-1", kOutlet);
  ASSERT_EQ(outlet.status, 201);
  const Reply warehouse = put("/v1/warehouses/W-O1", R"({"name":"Haidian stock","region":"north","kind":"outlet"})");
  ASSERT_EQ(warehouse.status, 201) << warehouse.body;
  EXPECT_EQ(put("/v1/warehouses/W-X", R"({"name":"x","region":"north","kind":"depot"})").status, 422);
  const std::vector<std::pair<std::string, std::string>> after = {{"X-Min-Position", warehouse.header("X-Position")}};
  for (const char* path : {"/v1/outlets/O-1", "/v1/warehouses/W-O1"}) {
    EXPECT_EQ(server->call(verb::get, path, kNorthDispatcherToken, "", after).status, 200) << path;
    EXPECT_EQ(server->call(verb::get, path, kEngineerE7Token, "", after).status, 200) << path;
    const Reply hidden = server->call(verb::get, path, kSouthAgentToken, "", after);
    EXPECT_EQ(hidden.status, 404) << path << ": another region's record answers as a missing one";
    EXPECT_EQ(hidden.body, server->call(verb::get, std::string(path) + "X", kSouthAgentToken, "", after).body);
  }
}

TEST_P(OutletsTest, EngineersAndCustomersCarryTheirDispatchFields) {
  const Reply engineer = put("/v1/engineers/E-7",
                             R"({"name":"Li","region":"north","active":true,"outlet_id":"O-1","skills":["washers"],)"
                             R"("location":{"lat":39.9,"lon":116.3},"max_open_dispatches":3,"van_warehouse_id":"W-V7"})");
  ASSERT_EQ(engineer.status, 201) << engineer.body;
  EXPECT_EQ(field(engineer.body, "location"), R"({"lat":39.9,"lon":116.3})");
  EXPECT_EQ(field(engineer.body, "max_open_dispatches"), "3");
  const Reply customer = put("/v1/customers/C-1", R"({"name":"Wang","region":"north","location":{"lat":39.91,"lon":116.4}})");
  ASSERT_EQ(customer.status, 201) << customer.body;
  EXPECT_EQ(put("/v1/customers/C-2", R"({"name":"Wang","region":"north","location":{"lat":91,"lon":0}})").status, 422);
}

INSTANTIATE_TEST_SUITE_P(Logs, OutletsTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
