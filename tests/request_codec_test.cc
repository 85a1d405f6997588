#include <gtest/gtest.h>

#include "domain/json.h"
#include "domain/request.h"

namespace aftercare {
namespace {

Result<RequestCommand> decode(std::string_view action, const std::string& body) {
  simdjson::dom::parser p;
  auto doc = parse_strict(p, body);
  EXPECT_TRUE(doc.is_ok()) << body;
  return decode_request_command(action, *doc);
}

TEST(RequestCodecTest, DecodesTheApiExample) {
  auto c = decode("open", R"({"customer_id": "C-1001", "channel": "phone", "type": "repair",
    "serial_no": "WM7-000123", "product_model": "WM-7", "problem_code": "E21",
    "description": "drum does not spin", "priority": "normal",
    "required_by": "2026-11-25T18:00:00.000Z", "region": "north", "suspended": false})");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  const auto& o = std::get<OpenRequest>(*c);
  EXPECT_EQ(o.customer_id, "C-1001");
  EXPECT_EQ(o.serial_no, "WM7-000123");
  EXPECT_EQ(format_rfc3339(*o.required_by), "2026-11-25T18:00:00.000Z");
  EXPECT_FALSE(o.suspended);
}

struct Case {
  const char* action;
  const char* body;
  Errc expected;
};

TEST(RequestCodecTest, ValidatesEveryAction) {
  const Case cases[] = {
      {"open", R"({"channel":"phone","type":"repair"})", Errc::unprocessable},
      {"open", R"({"customer_id":"C-1","channel":"pigeon","type":"repair"})", Errc::unprocessable},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"repair","priority":"asap"})", Errc::unprocessable},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"repair","required_by":"tomorrow"})", Errc::unprocessable},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"complaint"})", Errc::unprocessable},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"complaint","complaint":{"level":4,"handling_unit":"x","respond_by":"2026-11-25T18:00:00Z"}})", Errc::unprocessable},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"complaint","complaint":{"level":"1","handling_unit":"x","respond_by":"2026-11-25T18:00:00Z"}})", Errc::invalid_argument},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"complaint","complaint":{"level":2,"handling_unit":"x","respond_by":"2026-11-25T18:00:00Z"}})", Errc::ok},
      {"open", R"({"customer_id":1,"channel":"phone","type":"repair"})", Errc::invalid_argument},
      {"open", R"({"customer_id":"C 1","channel":"phone","type":"repair"})", Errc::unprocessable},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"repair","suspended":"no"})", Errc::invalid_argument},
      {"open", R"({"customer_id":"C-1","channel":"phone","type":"repair","whatever":[1]})", Errc::ok},
      {"assign", R"({})", Errc::unprocessable},
      {"assign", R"({"engineer_id":"E-7"})", Errc::ok},
      {"suspend", R"({"reason":""})", Errc::unprocessable},
      {"resume", R"({})", Errc::ok},
      {"report", R"({"outcome":"fixed"})", Errc::unprocessable},
      {"report", R"({"outcome":"resolved","work_minutes":-1})", Errc::unprocessable},
      {"report", R"({"outcome":"resolved","work_minutes":1.5})", Errc::invalid_argument},
      {"report", R"({"outcome":"resolved","work_minutes":40,"notes":"ok"})", Errc::ok},
      {"resolve-remotely", R"({"notes":"ok","article_id":"KB-1"})", Errc::ok},
      {"callback", R"({"scores":{}})", Errc::unprocessable},
      {"callback", R"({"satisfied":true,"scores":{"attitude":6,"skill":4,"timeliness":5,"resolution":5,"parts_lead_time":4}})", Errc::unprocessable},
      {"callback", R"({"satisfied":true,"scores":{"attitude":5,"skill":4,"timeliness":5,"resolution":5,"parts_lead_time":4}})", Errc::ok},
      {"unlock", R"({"decision":"later"})", Errc::unprocessable},
      {"unlock", R"({"decision":"close"})", Errc::ok},
      {"cancel", R"({"reason":"duplicate"})", Errc::ok},
      {"cancel", R"([])", Errc::invalid_argument},
      {"teleport", R"({})", Errc::not_found},
  };
  for (const Case& c : cases) {
    auto r = decode(c.action, c.body);
    EXPECT_EQ(r.status().code(), c.expected) << c.action << " " << c.body << ": " << r.status().to_string();
  }
  const std::string long_notes = std::string(R"({"outcome":"resolved","notes":")") + std::string(8193, 'x') + "\"}";
  EXPECT_EQ(decode("report", long_notes).status().code(), Errc::unprocessable);
}

}  // namespace
}  // namespace aftercare
