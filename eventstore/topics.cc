#include "eventstore/topics.h"

#include <cassert>

#include "domain/kind.h"

namespace aftercare {

std::string_view topic_name(Topic t) {
  switch (t) {
    case Topic::requests: return "aftercare.requests";
    case Topic::dispatches: return "aftercare.dispatches";
    case Topic::visits: return "aftercare.visits";
    case Topic::parts: return "aftercare.parts";
    case Topic::master: return "aftercare.master";
    case Topic::commands: return "aftercare.commands";
  }
  return "aftercare.unknown";
}

std::optional<Topic> topic_from_name(std::string_view name) {
  for (Topic t : kAllTopics)
    if (topic_name(t) == name) return t;
  return std::nullopt;
}

std::vector<Topic> kind_topics() {
  std::vector<Topic> out;
  for (std::string_view name : registered_topics())
    if (auto t = topic_from_name(name)) out.push_back(*t);
  return out;
}

int32_t murmur2(std::string_view key) {
  // Unsigned arithmetic gives Java's wrapping int behaviour without UB.
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  const uint32_t length = static_cast<uint32_t>(key.size());
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = seed ^ length;
  const uint32_t length4 = length / 4;
  for (uint32_t i = 0; i < length4; ++i) {
    const uint32_t i4 = i * 4;
    uint32_t k = static_cast<uint32_t>(data[i4]) | (static_cast<uint32_t>(data[i4 + 1]) << 8) |
                 (static_cast<uint32_t>(data[i4 + 2]) << 16) |
                 (static_cast<uint32_t>(data[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint32_t tail = length & ~3u;
  switch (length % 4) {
    case 3: h ^= static_cast<uint32_t>(data[tail + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint32_t>(data[tail + 1]) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(data[tail]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t partition_for_key(std::string_view key, int32_t partition_count) {
  assert(partition_count > 0);
  const int32_t positive = murmur2(key) & 0x7fffffff;
  return positive % partition_count;
}

}  // namespace aftercare
