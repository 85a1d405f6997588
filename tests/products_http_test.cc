// The product catalogue (api-field.md, PUT /v1/products/{model}): the kind
// added by its own file and one registration line. Every token reads it,
// admins write it, If-Match, Idempotency-Key, audit and replay as for the
// other master records. Both logs.
#include <gtest/gtest.h>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

constexpr const char* kWasher =
    R"({"name":"Front loader 7 kg","category":"washer","required_skill":"washers","warranty_months":24})";

class ProductsTest : public ServerOnEitherLog {
 protected:
  Reply put(const std::string& model, const std::string& body, const char* token = kAdminToken,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return server->call(verb::put, "/v1/products/" + model, token, body, std::move(headers));
  }
};

TEST_P(ProductsTest, AdminsWriteTheCatalogueEveryTokenReadsIt) {
  const Reply created = put("WM-7", kWasher);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("Location"), "/v1/products/WM-7");
  EXPECT_EQ(created.header("ETag"), "\"1\"");
  EXPECT_EQ(field(created.body, "warranty_months"), "24");
  EXPECT_EQ(field(created.body, "id"), "WM-7");

  const std::vector<std::pair<std::string, std::string>> after = {{"X-Min-Position", created.header("X-Position")}};
  for (const char* token : {kEngineerE7Token, kSouthAgentToken, kNorthDispatcherToken, kAuditorToken}) {
    const Reply got = server->call(verb::get, "/v1/products/WM-7", token, "", after);
    EXPECT_EQ(got.status, 200) << token << ": " << got.body;
    EXPECT_EQ(field(got.body, "category"), "washer");
  }
  EXPECT_EQ(server->call(verb::get, "/v1/products/NO-SUCH", kAgentToken, "", after).status, 404);
  EXPECT_EQ(put("WM-8", kWasher, kManagerToken).status, 403);
  EXPECT_EQ(put("WM-8", kWasher, kEngineerE7Token).status, 403);
  EXPECT_EQ(server->call(verb::get, "/v1/products/WM-7", "", "").status, 401);
}

TEST_P(ProductsTest, FieldsAreValidated) {
  EXPECT_EQ(put("WM-7", R"({"name":"x","category":"washer","warranty_months":"24"})").status, 400);
  EXPECT_EQ(put("WM-7", R"({"name":"x","category":"washer","warranty_months":-1})").status, 422);
  EXPECT_EQ(put("WM-7", R"({"name":"x","category":"washer","warranty_months":1.5})").status, 400);
  EXPECT_EQ(put("WM-7", R"({"name":"x","warranty_months":12})").status, 422);
  EXPECT_EQ(put("WM%207", kWasher).status, 422) << "a model is an id: no spaces";
  const Reply bad_utf8 = put("WM-7", "{\"name\":\"\xff\",\"category\":\"washer\",\"warranty_months\":1}");
  EXPECT_EQ(bad_utf8.status, 400) << bad_utf8.body;
}

TEST_P(ProductsTest, VersionsIfMatchAndRetries) {
  ASSERT_EQ(put("WM-7", kWasher).status, 201);
  const std::string longer = R"({"name":"Front loader 7 kg","category":"washer","warranty_months":36})";
  const Reply updated = put("WM-7", longer, kAdminToken, {{"If-Match", "\"1\""}, {"Idempotency-Key", "p-1"}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.header("ETag"), "\"2\"");
  EXPECT_EQ(field(updated.body, "required_skill"), "<absent>");
  const Reply retried = put("WM-7", longer, kAdminToken, {{"If-Match", "\"1\""}, {"Idempotency-Key", "p-1"}});
  EXPECT_EQ(retried.status, 200) << "a retry is answered as the original, not refused by If-Match";
  EXPECT_EQ(retried.header("ETag"), "\"2\"");
  EXPECT_EQ(put("WM-7", kWasher, kAdminToken, {{"If-Match", "\"1\""}}).status, 412);
  const Reply same = put("WM-7", longer);
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.header("ETag"), "\"2\"") << "an equal upsert writes nothing";
}

TEST_P(ProductsTest, AuditAndReplaySeeTheCatalogue) {
  ASSERT_EQ(put("WM-7", kWasher).status, 201);
  ASSERT_EQ(put("WM-7", R"({"name":"Front loader","category":"washer","warranty_months":12})").status, 200);
  server.reset();  // stopped: audit and replay read the log alone
  std::string out;
  auto args = [&](std::vector<std::string> a) {
    auto more = log_args(tmp.sub("data"), broker.get());
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  ASSERT_EQ(run_aftercare(args({"audit", "WM-7"}), &out), 0) << out;
  EXPECT_NE(out.find("aftercare.product.registered.v1"), std::string::npos) << out;
  EXPECT_NE(out.find("aftercare.product.updated.v1"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("warranty_months":12)"), std::string::npos) << out;
  EXPECT_EQ(run_aftercare(args({"replay", "--verify"}), &out), 0) << out;
  EXPECT_EQ(run_aftercare(args({"audit", "--verify-chains"}), &out), 0) << out;
}

INSTANTIATE_TEST_SUITE_P(Logs, ProductsTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
