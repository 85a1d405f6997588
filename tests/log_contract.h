// What every EventLog promises, checked the same way on each implementation.
#pragma once

#include <gtest/gtest.h>

#include "eventstore/event_log.h"

namespace aftercare::testing {

// Five appends to one key get offsets 0..4 of its partition, in order; a
// read from the middle returns the rest, and a read at the end nothing.
inline void expect_gapless_offsets_and_reads(EventLog& log) {
  const int32_t p = log.partition_of("R-1");
  for (int i = 0; i < 5; ++i) {
    auto ids = append_and_wait(log, {{Topic::requests, "R-1", "v" + std::to_string(i), "t", "id"}});
    ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
    EXPECT_EQ(ids->at(0).offset, i);
    EXPECT_EQ(ids->at(0).partition, p);
    EXPECT_EQ(ids->at(0).topic, Topic::requests);
  }
  EXPECT_EQ(*log.end_offset_now({Topic::requests, p}), 5);
  std::vector<Record> out;
  ASSERT_TRUE(log.read({Topic::requests, p}, 2, 10, out).is_ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].offset, 2);
  EXPECT_EQ(out[0].value, "v2");
  EXPECT_EQ(out[2].value, "v4");
  EXPECT_EQ(out[2].key, "R-1");
  out.clear();
  ASSERT_TRUE(log.read({Topic::requests, p}, 5, 10, out).is_ok());
  EXPECT_TRUE(out.empty()) << "reading at the end returns nothing, at once";
}

}  // namespace aftercare::testing
