#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <random>
#include <string>

#include "eventstore/event_log.h"
#include "eventstore/topics.h"

namespace aftercare {
namespace {

TEST(PartitionerTest, MatchesKafkaJavaReferenceValues) {
  // Values of org.apache.kafka.common.utils.Utils.murmur2, as librdkafka's
  // own unit test lists them.
  EXPECT_EQ(static_cast<uint32_t>(murmur2("kafka")), 0xd067cf64u);
  EXPECT_EQ(static_cast<uint32_t>(murmur2("giberish123456789")), 0x8f552b0cu);
  EXPECT_EQ(static_cast<uint32_t>(murmur2("1234")), 0x9fc97b14u);
  EXPECT_EQ(static_cast<uint32_t>(murmur2("234")), 0xe7c009cau);
}

TEST(PartitionerTest, AgreesWithLibrdkafkaMurmur2Partitioner) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> len(1, 40), byte(0, 255);
  for (int i = 0; i < 5000; ++i) {
    std::string key(len(rng), '\0');
    for (char& c : key) c = static_cast<char>(byte(rng));
    for (int32_t parts : {1, 3, 8, 12}) {
      const int32_t theirs = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(),
                                                              parts, nullptr, nullptr);
      ASSERT_EQ(partition_for_key(key, parts), theirs) << "key #" << i;
    }
  }
}

TEST(TopicsTest, NamesRoundTrip) {
  for (Topic t : kAllTopics) EXPECT_EQ(topic_from_name(topic_name(t)), t);
  EXPECT_FALSE(topic_from_name("aftercare.nope").has_value());
}

TEST(PositionTest, TokenRoundTripsAndKeepsMaximum) {
  Position p;
  p.include({Topic::requests, 3, 1042});
  p.include({Topic::requests, 3, 7});
  p.include({Topic::master, 0, 0});
  EXPECT_EQ(p.to_token(), "r3:1043,m0:1");
  auto back = Position::from_token(p.to_token());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->entries(), p.entries());
  EXPECT_TRUE(Position::from_token("")->empty());
}

TEST(PositionTest, RejectsMalformedTokens) {
  for (const char* bad : {"x3:1", "r3", "r:1", "r3:", "r3:1,", "r-1:4", "r3:-4", "r3:1x",
                          "r99999999999:1", "r3:99999999999999999999"}) {
    EXPECT_FALSE(Position::from_token(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace aftercare
