#include <gtest/gtest.h>

#include <map>

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

  const MasterRecord existing{true, R"({"id":"C-1"})", "", ""};
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

namespace aftercare {
namespace {

TEST(MasterDataTest, LocationsAndFeesAreNormalizedExactly) {
  const Case cases[] = {
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":{"lon":121.4737,"lat":31.2304}})", Errc::ok,
       R"({"id":"C-1","name":"A","region":"n","location":{"lat":31.2304,"lon":121.4737}})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":{"lat":-0.0000004,"lon":180}})", Errc::ok,
       R"({"id":"C-1","name":"A","region":"n","location":{"lat":0,"lon":180}})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":{"lat":-33.8688197,"lon":-70}})", Errc::ok,
       R"({"id":"C-1","name":"A","region":"n","location":{"lat":-33.86882,"lon":-70}})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":{"lat":90.5,"lon":0}})", Errc::unprocessable, ""},
      // Canonical numbers: an integer as one, a tiny fraction as the log writes it.
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":{"lat":10.0,"lon":0.000001}})", Errc::ok,
       R"({"id":"C-1","name":"A","region":"n","location":{"lat":10,"lon":1e-06}})"},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":{"lat":1}})", Errc::invalid_argument, ""},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":{"lat":"1","lon":2}})", Errc::invalid_argument, ""},
      {customer_kind().master(), "C-1", R"({"name":"A","region":"n","location":[1,2]})", Errc::invalid_argument, ""},
      {outlet_kind().master(), "O-1", R"({"name":"A","region":"n","fee_per_visit":{"phone":1000,"on_site":8000}})", Errc::ok,
       R"({"id":"O-1","name":"A","region":"n","fee_per_visit":{"on_site":8000,"phone":1000}})"},
      {outlet_kind().master(), "O-1", R"({"name":"A","region":"n","fee_per_visit":{"on_site":80.5}})", Errc::invalid_argument, ""},
      {outlet_kind().master(), "O-1", R"({"name":"A","region":"n","fee_per_visit":{"on_site":-1}})", Errc::unprocessable, ""},
      {outlet_kind().master(), "O-1", R"({"name":"A","region":"n","fee_per_visit":{"towing":100}})", Errc::unprocessable, ""},
      {engineer_kind().master(), "E-1", R"({"name":"B","region":"n","active":true,"max_open_dispatches":3,"van_warehouse_id":"W-V1"})", Errc::ok,
       R"({"id":"E-1","name":"B","region":"n","active":true,"max_open_dispatches":3,"van_warehouse_id":"W-V1"})"},
      {warehouse_kind().master(), "W-1", R"({"name":"Central","region":"n","kind":"depot"})", Errc::unprocessable, ""},
  };
  for (const Case& c : cases) {
    auto got = normalize(*c.kind, c.id, c.body);
    EXPECT_EQ(got.status().code(), c.expected) << c.body << ": " << got.status().message();
    if (!got) continue;
    EXPECT_EQ(*got, c.normalized) << c.body;
    auto again = normalize(*c.kind, c.id, *got);
    ASSERT_TRUE(again.is_ok()) << *got;
    EXPECT_EQ(*again, *got) << "normalizing the normalized record changes it";
  }
}

// Every action from every status: pending -> certified <-> suspended -> revoked, nothing else.
TEST(MasterDataTest, OutletCertificationMovesOnlyAlongItsArrows) {
  const MasterSpec& spec = *outlet_kind().master();
  const std::map<std::pair<std::string, std::string>, std::string> legal = {
      {{"pending", "certify"}, "certified"},
      {{"suspended", "certify"}, "certified"},
      {{"certified", "suspend"}, "suspended"},
      {{"suspended", "revoke"}, "revoked"},
  };
  const Timestamp now{1795420800000};
  for (const char* status : {"pending", "certified", "suspended", "revoked"}) {
    for (const char* action : {"certify", "suspend", "revoke"}) {
      MasterRecord r{true, R"({"id":"O-1"})", status, ""};
      auto d = decide_lifecycle(r, *lifecycle_action(spec, action), "audit 2026-11", now);
      auto it = legal.find({status, action});
      if (it == legal.end()) {
        ASSERT_TRUE(rejected(d)) << action << " from " << status;
        EXPECT_EQ(std::get<Rejection>(d).code, Errc::conflict);
        EXPECT_EQ(std::get<Rejection>(d).current_status, status);
        continue;
      }
      ASSERT_FALSE(rejected(d)) << action << " from " << status;
      const auto& events = std::get<std::vector<Event>>(d);
      ASSERT_EQ(events.size(), 1u);
      EXPECT_EQ(string_member(events[0].data, "status"), it->second);
      EXPECT_EQ(string_member(events[0].data, "from"), status);
      EXPECT_EQ(string_member(events[0].data, "reason"), "audit 2026-11");
    }
  }
  MasterRecord r{true, R"({"id":"O-1"})", "pending", ""};
  EXPECT_EQ(std::get<Rejection>(decide_lifecycle(r, *lifecycle_action(spec, "certify"), "", now)).code, Errc::unprocessable);
  EXPECT_EQ(std::get<Rejection>(decide_lifecycle(MasterRecord{}, *lifecycle_action(spec, "certify"), "x", now)).code,
            Errc::not_found);
  EXPECT_EQ(lifecycle_action(spec, "delete"), nullptr);
  EXPECT_EQ(lifecycle_action(*customer_kind().master(), "certify"), nullptr);
}

TEST(MasterStateTest, ALifecycleStatusSitsBetweenTheFieldsAndUpdatedAt) {
  MasterRecord r{true, R"({"id":"O-1","name":"A"})", "suspended", "late reports"};
  const std::string state = master_state(r, Timestamp{1795420800123});
  EXPECT_EQ(state, R"({"id":"O-1","name":"A","status":"suspended","status_reason":"late reports","updated_at":"2026-11-23T08:00:00.123Z"})");
  const MasterRecord back = master_record(state);
  EXPECT_EQ(back.fields, r.fields);
  EXPECT_EQ(back.status, "suspended");
  EXPECT_EQ(back.status_reason, "late reports");
  r.status = "pending";
  r.status_reason.clear();
  EXPECT_EQ(master_state(r, Timestamp{0}), R"({"id":"O-1","name":"A","status":"pending","status_reason":null,"updated_at":"1970-01-01T00:00:00.000Z"})");
  EXPECT_EQ(master_record(master_state(r, Timestamp{0})).fields, r.fields);
}

}  // namespace
}  // namespace aftercare
