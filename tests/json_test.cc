#include <gtest/gtest.h>

#include <string>

#include "domain/json.h"

namespace aftercare {
namespace {

TEST(JsonWriterTest, WritesNestedValuesWithoutWhitespace) {
  JsonWriter w;
  w.begin_object().field("a", "x").key("b").begin_array().integer(-1).uinteger(2).boolean(true);
  w.null().end_array().key("c").begin_object().end_object().end_object();
  EXPECT_EQ(w.str(), R"({"a":"x","b":[-1,2,true,null],"c":{}})");
}

TEST(JsonWriterTest, EscapesOneWayOnly) {
  JsonWriter w;
  w.string(std::string("q\" b\\ n\n t\t c\x01 z\0", 17));
  EXPECT_EQ(w.str(), R"("q\" b\\ n\n t\t c\u0001 z\u0000")");
}

TEST(JsonWriterTest, PassesNonAsciiThrough) {
  JsonWriter w;
  w.string("滚筒不转 — ü");
  EXPECT_EQ(w.str(), "\"滚筒不转 — ü\"");
}

TEST(ParseStrictTest, AcceptsOrdinaryDocuments) {
  simdjson::dom::parser p;
  auto r = parse_strict(p, R"({"a":[1,2,{"b":"c"}],"d":"滚筒"})");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
}

TEST(ParseStrictTest, RejectsWhatApiCallsMalformed) {
  simdjson::dom::parser p;
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::string cases[] = {
      "",
      "{",
      R"({"a":1,"a":2})",
      R"({"x":{"a":1,"b":{"a":1,"a":1}}})",
      "{\"a\":\"\xff\"}",
      R"({"a":"\ud800"})",
      R"({"a":"\udc00x"})",
      R"({"a":1} trailing)",
      deep,
  };
  for (const auto& text : cases) {
    auto r = parse_strict(p, text);
    EXPECT_FALSE(r.is_ok()) << text;
    if (!r.is_ok()) {
      EXPECT_EQ(r.status().code(), Errc::invalid_argument);
    }
  }
}

}  // namespace
}  // namespace aftercare
