#include <gtest/gtest.h>

#include "domain/time.h"

namespace aftercare {
namespace {

TEST(TimeTest, FormatsEpochAndMilliseconds) {
  EXPECT_EQ(format_rfc3339(Timestamp{0}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(Timestamp{1795420800123}), "2026-11-23T08:00:00.123Z");
  EXPECT_EQ(format_rfc3339(Timestamp{-1}), "1969-12-31T23:59:59.999Z");
}

TEST(TimeTest, ParsesWhatItFormats) {
  for (int64_t ms : {0LL, 1LL, 951782400000LL, 1795420800123LL, 4102444799999LL, -86400000LL}) {
    auto t = parse_rfc3339(format_rfc3339(Timestamp{ms}));
    ASSERT_TRUE(t.has_value()) << ms;
    EXPECT_EQ(t->ms, ms);
  }
}

TEST(TimeTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339("2026-11-23T10:00:00+02:00")->ms,
            parse_rfc3339("2026-11-23T08:00:00Z")->ms);
  EXPECT_EQ(parse_rfc3339("2026-11-23T08:00:00.5Z")->ms % 1000, 500);
  EXPECT_EQ(parse_rfc3339("2026-11-23T08:00:00.123456789Z")->ms % 1000, 123);
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
}

TEST(TimeTest, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-11-23", "2026-11-23T08:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-11-23T24:00:00Z", "2026-11-23T08:00:60Z", "2026-11-23T08:00:00.Z",
        "2026-11-23T08:00:00.1234567890Z", "2026-11-23T08:00:00Zjunk", "0000-01-01T00:00:00Z",
        "2026-11-23 08:00:00Z", "２０２６-11-23T08:00:00Z", "2026-11-23T08:00:00+2:00"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace aftercare
