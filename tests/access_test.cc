// The access policy as a table: for every route the router serves (read
// from ApiService::routes(), so a new route without a row fails this
// suite), every token of the fixture, on a resource in its scope and on one
// outside it. Then the leaks a hostile user found, one by one: what a token
// may not see it cannot read, count, page through or infer from errors.
#include <gtest/gtest.h>

#include "domain/json.h"
#include "domain/master_data.h"

#include <map>
#include <regex>
#include <set>

#include "api/service.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

// What a token gets: let through the access policy (any answer but 401,
// 403 and 404), refused for its role (403), or answered as missing (404).
enum class Expect { allowed, forbidden, hidden };

const char* name(Expect e) {
  return e == Expect::allowed ? "allowed" : e == Expect::forbidden ? "forbidden" : "hidden";
}

Expect classify(int status) {
  if (status == 403) return Expect::forbidden;
  if (status == 404 || status == 401) return Expect::hidden;
  return Expect::allowed;
}

struct TokenCase {
  const char* label;
  const char* token;
  const char* role;
  bool scoped;  // has regions, or is an engineer's: some resources are outside its scope
};

const TokenCase kTokens[] = {
    {"admin", kAdminToken, "admin", false},
    {"agent", kAgentToken, "agent", false},
    {"auditor", kAuditorToken, "auditor", false},
    {"manager", kManagerToken, "manager", false},
    {"north-dispatcher", kNorthDispatcherToken, "dispatcher", true},
    {"south-agent", kSouthAgentToken, "agent", true},
    {"engineer-E-7", kEngineerE7Token, "engineer", true},
    {"engineer-E-8", kEngineerE8Token, "engineer", true},
    {"north-warehouse", kNorthWarehouseToken, "warehouse", true},
    {"customer-C-N", kCustomerCNToken, "customer", true},
};

// The fixture's data, and which of it each token may see:
//   C-N, U-N (north) and C-S, U-S (south); engineers E-7, E-8 (north), E-S (south);
//   RN: north, assigned to E-7; R8: north, assigned to E-8; RS: south, unassigned.
//   Dispatches: RN.1 (E-7), R8.1 (E-8), RD.1 (south, E-S).
struct Ids {
  std::string rn, r8, rs, rd;
  std::string tn, ts;  // transfers N-0 -> N-1 and S-0 -> S-1
};

// For a token: {its resource, one outside its scope} of a kind of resource.
// Unscoped tokens have no resource outside their scope: both are theirs.
std::pair<std::string, std::string> resources(const TokenCase& t, std::string_view kind, const Ids& ids) {
  const std::string label = t.label;
  const bool south = label == "south-agent", north = label == "north-dispatcher" || label == "north-warehouse";
  const bool e7 = label == "engineer-E-7", e8 = label == "engineer-E-8";
  if (label == "customer-C-N") {  // C-N's own requests (RN, R8) and records; C-S's are another customer's
    if (kind == "request") return {ids.rn, ids.rs};
    if (kind == "customer") return {"C-N", "C-S"};
    if (kind == "unit") return {"U-N", "U-S"};
    if (kind == "dispatch") return {ids.rn + ".1", ids.rd + ".1"};
  }
  if (kind == "request") {
    if (south) return {ids.rs, ids.rn};
    if (north) return {ids.rn, ids.rs};
    if (e7) return {ids.rn, ids.r8};
    if (e8) return {ids.r8, ids.rn};
    return {ids.rn, ids.rs};
  }
  if (kind == "customer" || kind == "unit") {
    const std::string n = kind == "customer" ? "C-N" : "U-N", s = kind == "customer" ? "C-S" : "U-S";
    if (south) return {s, n};
    if (north || e7 || e8) return {n, s};
    return {n, s};
  }
  if (kind == "dispatch") {
    const std::string n = ids.rn + ".1", e8d = ids.r8 + ".1", s = ids.rd + ".1";
    if (south) return {s, n};
    if (north) return {n, s};
    if (e7) return {n, e8d};
    if (e8) return {e8d, n};
    return {n, s};
  }
  if (kind == "catalogue") return {"X-0", "X-0"};  // every token sees the whole catalogue
  if (kind == "webhook") return {"W-0", "W-0"};      // admins only, and admins see every webhook
  if (kind == "transfer") {  // seen through its warehouses: E-7's van is N-0, E-8's S-0
    if (south || e8) return {ids.ts, ids.tn};
    if (north || e7) return {ids.tn, ids.ts};
    return {ids.tn, ids.tn};
  }
  if (kind == "stock") {  // stock of warehouses N-0 and S-0; an engineer sees their van only (E-7: N-0, E-8: S-0)
    if (south || e8) return {"S-0", "N-0"};
    if (north || e7) return {"N-0", "S-0"};
    return {"N-0", "N-0"};
  }
  if (kind == "regional") {  // outlets, warehouses: by region, for every role
    if (south) return {"S-0", "N-0"};
    if (north) return {"N-0", "S-0"};
    return {"N-0", "N-0"};  // engineer tokens cover every region
  }
  if (kind == "engineer") {
    if (south) return {"E-S", "E-7"};
    if (north) return {"E-7", "E-S"};
    if (e7) return {"E-7", "E-8"};
    if (e8) return {"E-8", "E-7"};
    return {"E-7", "E-S"};
  }
  return {"", ""};
}

std::vector<AggregateKind> catalogue_kinds() {
  std::vector<AggregateKind> out;
  for (const AggregateKind& k : all_kinds())
    if (k.master() && k.master()->visibility == Visibility::everyone) out.push_back(k);
  return out;
}

std::vector<AggregateKind> regional_kinds() {
  std::vector<AggregateKind> out;
  for (const AggregateKind& k : all_kinds())
    if (k.master() && k.master()->visibility == Visibility::by_region) out.push_back(k);
  return out;
}

std::string master_pattern(const AggregateKind& k) {
  return "/v1/" + std::string(k.master()->collection) + "/{" + std::string(k.master()->id_name) + "}";
}

// One row per route: the roles that may call it (api.md → Roles), the kind
// of resource its {id} names (none: not scoped), and a body that passes
// the policy but changes nothing (it fails validation or the state machine).
struct Row {
  std::set<std::string> roles;  // empty: no token needed
  std::string resource;
  std::string body;
};

// Every staff role; customer tokens (the portal's) are named where they are let in.
const std::set<std::string> kEveryRole = {"admin", "agent", "auditor", "manager", "dispatcher", "engineer", "warehouse"};
std::set<std::string> and_customers(std::set<std::string> roles) {
  roles.insert("customer");
  return roles;
}

std::map<std::pair<std::string, std::string>, Row> policy_table() {
  const std::set<std::string> history = {"manager", "auditor", "admin"};
  const std::set<std::string> admin = {"admin"};
  const std::set<std::string> agents = {"agent", "manager", "admin"};
  const std::set<std::string> suspenders = {"agent", "dispatcher", "manager", "admin"};
  std::map<std::pair<std::string, std::string>, Row> table = {
      {{"GET", "/healthz"}, {{}, "", ""}},
      {{"GET", "/readyz"}, {{}, "", ""}},
      {{"GET", "/metrics"}, {{}, "", ""}},
      {{"GET", "/openapi.json"}, {{}, "", ""}},
      // The console and the portal: public files; what they show comes from the API with the user's token.
      {{"GET", "/"}, {{}, "", ""}},
      {{"GET", "/portal"}, {{}, "", ""}},
      {{"GET", "/assets/{file}"}, {{}, "", ""}},
      {{"GET", "/v1/me"}, {and_customers(kEveryRole), "", ""}},
      {{"GET", "/v1/lookup"}, {kEveryRole, "", ""}},
      {{"POST", "/v1/customers/{id}/portal-token"}, {agents, "customer", "[]"}},
      {{"GET", "/v1/requests"}, {and_customers(kEveryRole), "", ""}},
      {{"POST", "/v1/requests"}, {and_customers(agents), "", "{}"}},
      {{"GET", "/v1/requests/{id}"}, {and_customers(kEveryRole), "request", ""}},
      {{"GET", "/v1/requests/{id}/events"}, {history, "request", ""}},
      {{"POST", "/v1/requests/{id}/assign"}, {{"dispatcher", "manager", "admin"}, "request", "{}"}},
      {{"POST", "/v1/requests/{id}/suspend"}, {suspenders, "request", "{}"}},
      {{"POST", "/v1/requests/{id}/resume"}, {suspenders, "request", "{}"}},
      {{"POST", "/v1/requests/{id}/report"}, {{"engineer", "manager", "admin"}, "request", "{}"}},
      {{"POST", "/v1/requests/{id}/resolve-remotely"}, {agents, "request", "{}"}},
      {{"POST", "/v1/requests/{id}/callback"}, {agents, "request", "{}"}},
      {{"POST", "/v1/requests/{id}/unlock"}, {{"manager", "admin"}, "request", "{}"}},
      {{"POST", "/v1/requests/{id}/cancel"}, {agents, "request", "{}"}},
      {{"GET", "/v1/customers/{id}"}, {kEveryRole, "customer", ""}},
      {{"PUT", "/v1/customers/{id}"}, {admin, "customer", "{}"}},
      {{"GET", "/v1/customers/{id}/history"}, {and_customers(kEveryRole), "customer", ""}},
      {{"GET", "/v1/engineers/{id}"}, {kEveryRole, "engineer", ""}},
      {{"PUT", "/v1/engineers/{id}"}, {admin, "engineer", "{}"}},
      {{"GET", "/v1/units/{id}"}, {kEveryRole, "unit", ""}},
      {{"PUT", "/v1/units/{id}"}, {admin, "unit", "{}"}},
      {{"GET", "/v1/stats/problems"}, {{"admin", "agent", "auditor", "manager", "dispatcher", "warehouse"}, "", ""}},
      // Dispatch (api-field.md): bodies that pass the policy and change nothing.
      {{"POST", "/v1/requests/{id}/dispatch"}, {{"dispatcher", "manager", "admin"}, "request", R"({"mode":"sideways"})"}},
      {{"GET", "/v1/requests/{id}/dispatch-candidates"}, {{"dispatcher", "manager", "admin", "agent", "auditor"}, "request", ""}},
      {{"GET", "/v1/dispatches"}, {kEveryRole, "", ""}},
      {{"GET", "/v1/dispatches/{id}"}, {kEveryRole, "dispatch", ""}},
      {{"GET", "/v1/dispatches/{id}/events"}, {history, "dispatch", ""}},
      {{"GET", "/v1/engineers"}, {kEveryRole, "", ""}},
      {{"GET", "/v1/engineers/{id}/dispatches"}, {kEveryRole, "engineer", ""}},
      {{"POST", "/v1/engineers/{id}/status"}, {{"engineer", "dispatcher", "manager", "admin"}, "engineer", "{}"}},
      // Webhooks hear every region: admins only.
      // The stock ledger: moved by warehouse clerks, managers, admins; read by every role but agents.
      {{"GET", "/v1/stock"}, {{"admin", "auditor", "manager", "dispatcher", "engineer", "warehouse"}, "", ""}},
      {{"POST", "/v1/stock/receipts"}, {{"warehouse", "manager", "admin"}, "", "{}"}},
      {{"POST", "/v1/stock/counts"}, {{"warehouse", "manager", "admin"}, "", "{}"}},
      {{"POST", "/v1/stock/returns"}, {{"warehouse", "manager", "admin"}, "", "{}"}},
      {{"GET", "/v1/stock/{warehouse_id}/{part_no}"}, {{"admin", "auditor", "manager", "dispatcher", "engineer", "warehouse"}, "stock", ""}},
      {{"GET", "/v1/stock/{warehouse_id}/{part_no}/movements"}, {{"admin", "auditor", "manager", "dispatcher", "engineer", "warehouse"}, "stock", ""}},
      {{"PUT", "/v1/stock/{warehouse_id}/{part_no}/policy"}, {{"warehouse", "manager", "admin"}, "stock", "{}"}},
      {{"POST", "/v1/stock/transfers"}, {{"warehouse", "manager", "admin"}, "", "{}"}},
      {{"GET", "/v1/stock/transfers/{id}"}, {{"admin", "auditor", "manager", "dispatcher", "engineer", "warehouse"}, "transfer", ""}},
      {{"POST", "/v1/stock/transfers/{id}/receive"}, {{"warehouse", "manager", "admin"}, "transfer", "[]"}},
      // Visits (a visit's id is its dispatch's): acted on as its dispatch; settlement for managers, auditors, admins.
      {{"GET", "/v1/visits/{id}"}, {kEveryRole, "dispatch", ""}},
      {{"POST", "/v1/visits/{id}/parts"}, {{"engineer", "dispatcher", "manager", "admin"}, "dispatch", "[]"}},
      {{"POST", "/v1/visits/{id}/complete"}, {{"engineer", "dispatcher", "manager", "admin"}, "dispatch", "[]"}},
      {{"GET", "/v1/requests/{id}/visits"}, {kEveryRole, "request", ""}},
      {{"GET", "/v1/outlets/{id}/settlement"}, {history, "regional", ""}},
      {{"GET", "/v1/parts/{part_no}/demand"}, {{"admin", "agent", "auditor", "manager", "dispatcher", "warehouse"}, "catalogue", ""}},
      {{"GET", "/v1/stats/parts-abc"}, {{"admin", "agent", "auditor", "manager", "dispatcher", "warehouse"}, "", ""}},
      {{"GET", "/v1/stats/parts-hit-rate"}, {{"admin", "agent", "auditor", "manager", "dispatcher", "warehouse"}, "", ""}},
      {{"GET", "/v1/webhooks"}, {admin, "", ""}},
      {{"GET", "/v1/webhooks/{id}"}, {admin, "webhook", ""}},
      {{"PUT", "/v1/webhooks/{id}"}, {admin, "webhook", "{}"}},
      {{"GET", "/v1/webhooks/{id}/deliveries"}, {admin, "webhook", ""}},
  };
  for (const char* action : {"accept", "decline", "depart", "arrive", "finish", "cancel"})
    table[{"POST", std::string("/v1/dispatches/{id}/") + action}] = {{"engineer", "dispatcher", "manager", "admin"}, "dispatch", "[]"};
  // Catalogue kinds (every token reads them, admins write them) get their
  // rows from the registry; their record X-0 is made in SetUp.
  for (const AggregateKind& k : catalogue_kinds()) {
    table[{"GET", master_pattern(k)}] = {kEveryRole, "catalogue", ""};
    table[{"PUT", master_pattern(k)}] = {admin, "catalogue", "{}"};
  }
  // Kinds seen by region (outlets, warehouses), with their lifecycle actions.
  for (const AggregateKind& k : regional_kinds()) {
    table[{"GET", master_pattern(k)}] = {kEveryRole, "regional", ""};
    table[{"PUT", master_pattern(k)}] = {admin, "regional", "{}"};
    if (k.master()->lifecycle)
      for (const LifecycleAction& a : k.master()->lifecycle->actions)
        table[{"POST", master_pattern(k) + "/" + std::string(a.action)}] = {admin, "regional", "{}"};
  }
  return table;
}

class AccessTest : public ::testing::Test {
 protected:
  TempDir tmp;
  ServerProcess server{tmp.sub("data")};
  Ids ids;
  std::string position;

  Reply as(const char* token, verb method, const std::string& path, const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers = {{"X-Min-Position", position}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return server.call(method, path, token, body, headers);
  }
  std::string admin(verb method, const std::string& path, const std::string& body) {
    Reply r = server.call(method, path, kAdminToken, body, {{"Content-Type", "application/json"}});
    EXPECT_LT(r.status, 300) << path << ": " << r.body;
    position = merge_positions(position, r.header("X-Position"));
    return r.body;
  }
  std::string open(const std::string& customer, const std::string& extra = "") {
    return field(admin(verb::post, "/v1/requests",
                       R"({"customer_id":")" + customer + R"(","channel":"phone","type":"repair","product_model":"WM-7","problem_code":"E21")" + extra + "}"),
                 "id");
  }

  void SetUp() override {
    admin(verb::put, "/v1/customers/C-N", R"({"name":"North Co","phone":"+86 24 1111","region":"north"})");
    admin(verb::put, "/v1/customers/C-S", R"({"name":"South Co","phone":"+86 20 2222","region":"south"})");
    admin(verb::put, "/v1/units/U-N", R"({"product_model":"WM-7","customer_id":"C-N"})");
    admin(verb::put, "/v1/units/U-S", R"({"product_model":"WM-7","customer_id":"C-S"})");
    admin(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true})");
    admin(verb::put, "/v1/engineers/E-8", R"({"name":"Wu","region":"north","active":true})");
    admin(verb::put, "/v1/engineers/E-S", R"({"name":"Sun","region":"south","active":true})");
    ids.rn = open("C-N");
    admin(verb::post, "/v1/requests/" + ids.rn + "/assign", R"({"engineer_id":"E-7"})");
    ids.r8 = open("C-N");
    admin(verb::post, "/v1/requests/" + ids.r8 + "/assign", R"({"engineer_id":"E-8"})");
    ids.rs = open("C-S");
    ids.rd = open("C-S");
    admin(verb::post, "/v1/requests/" + ids.rd + "/assign", R"({"engineer_id":"E-S"})");
    // Each dispatch arrives: its visit opens (the visit rows name it).
    for (const std::string& request : {ids.rn, ids.r8, ids.rd})
      for (const char* step : {"accept", "depart", "arrive"}) admin(verb::post, "/v1/dispatches/" + request + ".1/" + step, "{}");
    admin(verb::put, "/v1/webhooks/W-0",
          R"({"url":"http://127.0.0.1:9/nobody-listens","event_types":["aftercare.request.opened.v1"],"secret":"a secret of 16+ bytes"})");
    for (const AggregateKind& k : catalogue_kinds())
      admin(verb::put, "/v1/" + std::string(k.master()->collection) + "/X-0",
            k.spec().example(0).front().data);
    // N-0 in the north and S-0 in the south of every kind seen by region.
    for (const AggregateKind& k : regional_kinds())
      for (const char* region : {"north", "south"}) {
        std::string record = k.spec().example(0).front().data;
        const std::string was = "\"region\":\"" + string_member(record, "region") + "\"";
        record.replace(record.find(was), was.size(), "\"region\":\"" + std::string(region) + "\"");
        admin(verb::put, "/v1/" + std::string(k.master()->collection) + "/" + char(std::toupper(region[0])) + "-0", record);
      }
    // Stock at both warehouses; E-7's van is N-0, E-8's is S-0.
    for (const char* w : {"N-0", "S-0"})
      admin(verb::post, "/v1/stock/receipts", std::string(R"({"warehouse_id":")") + w + R"(","lines":[{"part_no":"P-1","qty":5}]})");
    for (const char* w : {"N-1", "S-1"})
      admin(verb::put, std::string("/v1/warehouses/") + w, std::string(R"({"name":"Van","kind":"van","region":")") + (w[0] == 'N' ? "north" : "south") + "\"}");
    ids.tn = field(admin(verb::post, "/v1/stock/transfers", R"({"from":"N-0","to":"N-1","lines":[{"part_no":"P-1","qty":1}]})"), "id");
    ids.ts = field(admin(verb::post, "/v1/stock/transfers", R"({"from":"S-0","to":"S-1","lines":[{"part_no":"P-1","qty":1}]})"), "id");
    admin(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true,"van_warehouse_id":"N-0"})");
    admin(verb::put, "/v1/engineers/E-8", R"({"name":"Wu","region":"north","active":true,"van_warehouse_id":"S-0"})");
  }
};

std::string fill(std::string pattern, const std::string& id) {
  const size_t at = pattern.find('{');
  if (at != std::string::npos) pattern.replace(at, pattern.find('}', at) - at + 1, id);
  if (const size_t part = pattern.find("{part_no}"); part != std::string::npos) pattern.replace(part, 9, "P-1");
  return pattern;
}

TEST_F(AccessTest, EveryRouteHasARowAndEveryTokenGetsWhatThePolicySays) {
  auto table = policy_table();
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& r : ApiService::routes()) {
    const std::pair<std::string, std::string> key{std::string(http::to_string(r.method)), std::string(r.pattern)};
    served.insert(key);
    EXPECT_TRUE(table.count(key)) << "route " << key.first << " " << key.second
                                  << " has no row in the access table: add one";
  }
  for (const auto& [key, row] : table)
    EXPECT_TRUE(served.count(key)) << "the table names a route that is not served: " << key.first << " " << key.second;

  int checked = 0;
  for (const auto& [key, row] : table) {
    const verb method = http::string_to_verb(key.first);
    if (row.roles.empty()) {
      EXPECT_EQ(server.call(method, fill(key.second, "console.js"), "").status, 200) << key.second << " needs no token";
      continue;
    }
    EXPECT_EQ(server.call(method, fill(key.second, ids.rn), "", row.body).status, 401) << key.second;
    for (const TokenCase& t : kTokens) {
      const bool role_ok = row.roles.count(t.role) > 0;
      const auto [mine, theirs] = resources(t, row.resource, ids);
      const Expect want_mine = role_ok ? Expect::allowed : Expect::forbidden;
      const Reply got = as(t.token, method, fill(key.second, mine), row.body);
      EXPECT_EQ(name(classify(got.status)), std::string(name(want_mine)))
          << t.label << " " << key.first << " " << fill(key.second, mine) << " -> " << got.status << " " << got.body;
      ++checked;
      if (row.resource.empty() || row.resource == "catalogue" || row.resource == "webhook" || !t.scoped || mine == theirs) continue;  // no outside
      // Outside its scope: the role check first (it reveals nothing), then 404.
      const Expect want_theirs = role_ok ? Expect::hidden : Expect::forbidden;
      const Reply other = as(t.token, method, fill(key.second, theirs), row.body);
      EXPECT_EQ(name(classify(other.status)), std::string(name(want_theirs)))
          << t.label << " " << key.first << " " << fill(key.second, theirs) << " -> " << other.status << " " << other.body;
      if (want_theirs == Expect::hidden) {
        // Exactly as for an id that does not exist.
        const Reply missing = as(t.token, method, fill(key.second, "NO-SUCH-1"), row.body);
        EXPECT_EQ(other.status, missing.status) << t.label << " " << key.second;
        EXPECT_EQ(field(other.body, "detail"), field(missing.body, "detail")) << t.label << " " << key.second;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
}

TEST_F(AccessTest, ReferencesOutsideTheScopeAreUnknown) {
  // A south agent opening for a north customer, pretending the region is its own.
  const Reply pretend = as(kSouthAgentToken, verb::post, "/v1/requests",
                           R"({"customer_id":"C-N","channel":"phone","type":"repair","region":"south"})");
  const Reply unknown = as(kSouthAgentToken, verb::post, "/v1/requests",
                           R"({"customer_id":"C-NONE","channel":"phone","type":"repair","region":"south"})");
  EXPECT_EQ(pretend.status, 422);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(field(pretend.body, "detail"), R"(unknown customer "C-N")");
  // An agent who sees every region may not put a request into a region... it sees: fine; a
  // scoped token may not move a visible customer's request into another region.
  const Reply elsewhere = as(kSouthAgentToken, verb::post, "/v1/requests",
                             R"({"customer_id":"C-S","channel":"phone","type":"repair","region":"north"})");
  EXPECT_EQ(elsewhere.status, 403) << elsewhere.body;

  // A north dispatcher assigning a south engineer: as an unknown engineer.
  const std::string rn2 = open("C-N");
  const Reply south_engineer = as(kNorthDispatcherToken, verb::post, "/v1/requests/" + rn2 + "/assign", R"({"engineer_id":"E-S"})");
  const Reply no_engineer = as(kNorthDispatcherToken, verb::post, "/v1/requests/" + rn2 + "/assign", R"({"engineer_id":"E-NONE"})");
  EXPECT_EQ(south_engineer.status, 422);
  EXPECT_EQ(no_engineer.status, 422);
  EXPECT_EQ(field(south_engineer.body, "detail"), R"("E-S" is not an active engineer)");

  // A unit of a customer the token may not see: unknown, not "owned by someone else".
  const Reply unit = as(kSouthAgentToken, verb::post, "/v1/requests",
                        R"({"customer_id":"C-S","channel":"phone","type":"repair","serial_no":"U-N"})");
  EXPECT_EQ(unit.status, 422);
  EXPECT_EQ(field(unit.body, "detail"), R"(unit "U-N" is not an installed unit of customer "C-S")");
}

TEST_F(AccessTest, StatisticsCountOnlyTheTokensRegions) {
  auto count = [&](const char* token) {
    const Reply r = as(token, verb::get, "/v1/stats/problems?product_model=WM-7");
    EXPECT_EQ(r.status, 200) << r.body;
    const size_t at = r.body.find(R"("count":)");
    return at == std::string::npos ? 0 : std::stoi(r.body.substr(at + 8));
  };
  EXPECT_EQ(count(kAdminToken), 4);  // RN, R8 (north); RS, RD (south)
  EXPECT_EQ(count(kNorthDispatcherToken), 2);
  EXPECT_EQ(count(kSouthAgentToken), 2);
  EXPECT_EQ(as(kEngineerE7Token, verb::get, "/v1/stats/problems").status, 403);
}

TEST_F(AccessTest, StatisticsGiveBackOddCodesAsTheyWereSent) {
  admin(verb::post, "/v1/requests",
        R"({"customer_id":"C-N","channel":"phone","type":"repair","product_model":"A/B 50%","problem_code":"%25/%2F"})");
  const Reply r = as(kAdminToken, verb::get, "/v1/stats/problems");
  EXPECT_NE(r.body.find(R"({"product_model":"A/B 50%","problem_code":"%25/%2F","count":1})"), std::string::npos) << r.body;
}

TEST_F(AccessTest, TheScreenPopShowsAndCountsWhatTheTokenMaySee) {
  // A request of the north customer handled in the south region.
  open("C-N", R"(,"region":"south")");
  auto history = [&](const char* token) { return as(token, verb::get, "/v1/customers/C-N/history"); };
  const Reply all = history(kAdminToken);
  EXPECT_EQ(field(all.body, "open_requests"), "3") << all.body;
  const Reply north = history(kNorthDispatcherToken);
  EXPECT_EQ(field(north.body, "open_requests"), "2") << north.body;
  EXPECT_EQ(north.body.find(R"("region":"south")"), std::string::npos) << north.body;
  const Reply e7 = history(kEngineerE7Token);
  ASSERT_EQ(e7.status, 200) << "E-7 has work for C-N";
  EXPECT_EQ(field(e7.body, "open_requests"), "1") << e7.body;
  EXPECT_NE(e7.body.find(ids.rn), std::string::npos);
  EXPECT_EQ(e7.body.find(ids.r8), std::string::npos) << "E-8's request is not E-7's business";
  EXPECT_EQ(history(kSouthAgentToken).status, 404);
  EXPECT_EQ(as(kEngineerE7Token, verb::get, "/v1/customers/C-S/history").status, 404);
  EXPECT_EQ(as(kEngineerE7Token, verb::get, "/v1/units/U-S").status, 404);
  EXPECT_EQ(as(kEngineerE7Token, verb::get, "/v1/units/U-N").status, 200);
}

TEST_F(AccessTest, ListPagesAndCursorsNameOnlyVisibleRequests) {
  // Many south requests newer than the north ones: a north page must not
  // have to walk past them, nor hand out a cursor that names one.
  std::set<std::string> south = {ids.rs};
  for (int i = 0; i < 30; ++i) south.insert(open("C-S"));
  std::set<std::string> north = {ids.rn, ids.r8};
  north.insert(open("C-N"));
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    const Reply r = as(kNorthDispatcherToken, verb::get,
                       "/v1/requests?limit=1" + (cursor.empty() ? std::string() : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    for (const auto& id : south) {
      EXPECT_EQ(r.body.find(id), std::string::npos) << "page " << page << " names south request " << id << ": " << r.body;
    }
    std::smatch m;
    if (std::regex_search(r.body, m, std::regex(R"re("id":"(R-[0-9a-f]+)")re"))) seen.insert(m[1].str());
    cursor = field(r.body, "next_cursor");
    if (cursor == "null") break;
  }
  EXPECT_EQ(seen, north);
}

}  // namespace
}  // namespace aftercare
