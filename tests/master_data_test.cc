#include <gtest/gtest.h>

#include "domain/json.h"
#include "domain/master_data.h"

namespace aftercare {
namespace {

Result<std::string> normalize(const MasterSpec& k, const std::string& id, const std::string& body) {
  simdjson::dom::parser p;
  auto doc = parse_strict(p, body);
  EXPECT_TRUE(doc.is_ok()) << body;
  return normalize_master(k, id, *doc);
}

struct Case {
  const MasterSpec* kind;
  const char* id;
  const char* body;
  Errc expected;        // ok when accepted
  const char* normalized;  // when accepted
};

TEST(MasterDataTest, NormalizesOrRejectsEachInput) {
  const std::string long_name(257, 'n');
  const Case cases[] = {
      {customer_kind().master(), "C-1", R"({"region":"n","name":"A"})", Errc::ok, R"({"id":"C-1","name":"A","region":"n"})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","unknown":[1,2]})", Errc::ok, R"({"id":"C-1","name":"A","region":"n"})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","phone":null})", Errc::ok, R"({"id":"C-1","name":"A","region":"n"})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","tier":"gold"})", Errc::ok, R"({"id":"C-1","name":"A","region":"n","tier":"gold"})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","tier":"Gold"})", Errc::unprocessable, ""},
      {customer_kind().master(), "C-1", R"({"name":"","region":"n"})", Errc::unprocessable, ""},
      {customer_kind().master(), "C-1", R"({"region":"n"})", Errc::unprocessable, ""},
      {customer_kind().master(), "C-1", R"({"name":1,"region":"n"})", Errc::invalid_argument, ""},
      {customer_kind().master(), "C 1", R"({"name":"A","region":"n"})", Errc::unprocessable, ""},
      {customer_kind().master(), "", R"({"name":"A","region":"n"})", Errc::unprocessable, ""},
      {customer_kind().master(), "C-1", "[]", Errc::invalid_argument, ""},
      {engineer_kind().master(), "E-1", R"({"name":"B","region":"n","active":false,"skills":["z","a","z"]})", Errc::ok,
       R"({"id":"E-1","name":"B","region":"n","skills":["a","z"],"active":false})"},
      {engineer_kind().master(), "E-1", R"({"name":"B","region":"n","active":1})", Errc::invalid_argument, ""},
      {engineer_kind().master(), "E-1", R"({"name":"B","region":"n","active":true,"skills":"wm"})", Errc::invalid_argument, ""},
      {engineer_kind().master(), "E-1", R"({"name":"B","region":"n","active":true,"skills":[""]})", Errc::unprocessable, ""},
      {engineer_kind().master(), "E-1", R"({"name":"B","region":"n"})", Errc::unprocessable, ""},
      {unit_kind().master(), "SN-1", R"({"product_model":"WM-7","customer_id":"C-1","warranty_until":"2027-01-01T00:00:00Z"})", Errc::ok,
       R"({"id":"SN-1","product_model":"WM-7","customer_id":"C-1","warranty_until":"2027-01-01T00:00:00.000Z"})"},
      {unit_kind().master(), "SN-1", R"({"product_model":"WM-7","customer_id":"C-1","installed_at":"2027-01-01"})", Errc::unprocessable, ""},
      {unit_kind().master(), "SN-1", R"({"product_model":"WM-7"})", Errc::unprocessable, ""},
  };
  for (const Case& c : cases) {
    auto r = normalize(*c.kind, c.id, c.body);
    if (c.expected == Errc::ok) {
      ASSERT_TRUE(r.is_ok()) << c.body << ": " << r.status().to_string();
      EXPECT_EQ(*r, c.normalized) << c.body;
    } else {
      ASSERT_FALSE(r.is_ok()) << c.body;
      EXPECT_EQ(r.status().code(), c.expected) << c.body << ": " << r.status().to_string();
    }
  }
  auto too_long = normalize(*customer_kind().master(), "C-1", R"({"name":")" + long_name + R"(","region":"n"})");
  EXPECT_EQ(too_long.status().code(), Errc::unprocessable);
  auto address = normalize(*customer_kind().master(), "C-1",
                           R"({"name":"A","region":"n","address":")" + std::string(8000, 'a') + "\"}");
  EXPECT_TRUE(address.is_ok()) << "address is long text (8 KiB)";
}

TEST(MasterDataTest, UpsertRegistersUpdatesOrDoesNothing) {
  const Timestamp now{1795420800000};
  auto first = decide_upsert(MasterRecord{}, R"({"id":"C-1"})", now);
  ASSERT_FALSE(rejected(first));
  ASSERT_EQ(std::get<std::vector<Event>>(first).size(), 1u);
  EXPECT_EQ(std::get<std::vector<Event>>(first)[0].name, "registered");
  EXPECT_EQ(std::get<std::vector<Event>>(first)[0].time, now);

  const MasterRecord existing{true, R"({"id":"C-1"})"};
  EXPECT_TRUE(std::get<std::vector<Event>>(decide_upsert(existing, R"({"id":"C-1"})", now)).empty());
  auto changed = decide_upsert(existing, R"({"id":"C-1","name":"x"})", now);
  EXPECT_EQ(std::get<std::vector<Event>>(changed)[0].name, "updated");
}

}  // namespace
}  // namespace aftercare

namespace aftercare {
namespace {

TEST(MasterStateTest, AddsUpdatedAtAndGivesTheFieldsBack) {
  const std::string fields = R"({"id":"C-1","name":"A"})";
  const std::string state = master_state(fields, Timestamp{1795420800123});
  EXPECT_EQ(state, R"({"id":"C-1","name":"A","updated_at":"2026-11-23T08:00:00.123Z"})");
  const MasterRecord r = master_record(state);
  EXPECT_TRUE(r.exists);
  EXPECT_EQ(r.fields, fields);
  EXPECT_FALSE(master_record("").exists);
  // A value that merely contains the member's text does not confuse it.
  const std::string tricky = R"({"id":"C-1","name":",\"updated_at\":"})";
  EXPECT_EQ(master_record(master_state(tricky, Timestamp{0})).fields, tricky);
}

}  // namespace
}  // namespace aftercare
