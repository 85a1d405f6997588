// The event topics and how a record finds its partition.
//
// Every topic has the same partition count and the same partitioner —
// Kafka's murmur2 (as the Java client computes it) — so request, dispatch
// and visit events of one service case share one partition number, and
// stream processors can join the topics without repartitioning.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aftercare {

// `commands` holds the refusals of commands sent with an Idempotency-Key, so
// that a retry answers as the original did (docs/architecture.md).
enum class Topic : uint8_t { requests = 0, dispatches = 1, visits = 2, parts = 3, master = 4, commands = 5 };

inline constexpr std::array<Topic, 6> kAllTopics = {Topic::requests, Topic::dispatches, Topic::visits,
                                                    Topic::parts,    Topic::master,     Topic::commands};

inline constexpr int32_t kDefaultPartitions = 8;

// "aftercare.requests", ...
std::string_view topic_name(Topic t);
std::optional<Topic> topic_from_name(std::string_view name);

// The topics the registered aggregate kinds write to (domain/kind.h), in
// registration order. A kind naming a topic not in kAllTopics is a
// programming error that the topics test catches.
std::vector<Topic> kind_topics();

// Kafka's murmur2 over the key bytes (org.apache.kafka.common.utils.Utils.murmur2).
int32_t murmur2(std::string_view key);
// The partition the Java client's default partitioner (and librdkafka's
// "murmur2_random" for non-empty keys) picks for `key`.
int32_t partition_for_key(std::string_view key, int32_t partition_count);

struct TopicPartition {
  Topic topic;
  int32_t partition;
  auto operator<=>(const TopicPartition&) const = default;
};

}  // namespace aftercare
