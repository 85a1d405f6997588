// The embedded log's on-disk format, shared by the log and by the tools
// that inspect it (tests that tamper with a record, replay's verifier).
//
// Column family "records": key = topic (1 byte) | partition (4 bytes BE) |
// offset (8 bytes BE), so one partition is one contiguous, ordered key
// range. Value = key length (4 bytes BE) | partition key | envelope bytes.
// Column family "default" holds metadata: "partitions" -> decimal count.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eventstore/topics.h"

namespace aftercare::logformat {

inline constexpr const char* kRecordsFamily = "records";
inline constexpr const char* kPartitionsKey = "partitions";
inline constexpr size_t kRecordKeySize = 13;

inline void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline uint64_t get_be(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

inline std::string partition_prefix(TopicPartition tp) {
  std::string k;
  k.push_back(static_cast<char>(tp.topic));
  put_be(k, static_cast<uint32_t>(tp.partition), 4);
  return k;
}

inline std::string record_key(TopicPartition tp, int64_t offset) {
  std::string k = partition_prefix(tp);
  put_be(k, static_cast<uint64_t>(offset), 8);
  return k;
}

inline int64_t offset_of(std::string_view record_key) {
  return static_cast<int64_t>(get_be(record_key, 5, 8));
}

inline std::string record_value(std::string_view key, std::string_view value) {
  std::string v;
  v.reserve(4 + key.size() + value.size());
  put_be(v, key.size(), 4);
  v.append(key);
  v.append(value);
  return v;
}

// Splits a stored value; false when it is too short to be one.
inline bool split_value(std::string_view stored, std::string_view& key, std::string_view& value) {
  if (stored.size() < 4) return false;
  const uint64_t n = get_be(stored, 0, 4);
  if (stored.size() < 4 + n) return false;
  key = stored.substr(4, n);
  value = stored.substr(4 + n);
  return true;
}

}  // namespace aftercare::logformat
