// Identifiers and digests: random UUIDs, name-derived UUIDs, SHA-256.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace aftercare {

using Sha256 = std::array<uint8_t, 32>;

Sha256 sha256(std::string_view bytes);
std::string to_hex(const uint8_t* data, size_t n);
inline std::string to_hex(const Sha256& h) { return to_hex(h.data(), h.size()); }

// HMAC-SHA256 of `bytes` under `key`.
Sha256 hmac_sha256(std::string_view key, std::string_view bytes);
// Compares in time that depends on the lengths only (secrets, digests).
bool constant_time_equal(std::string_view a, std::string_view b);

// Incremental SHA-256 for digests over many rows.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view bytes);
  Sha256 finish();

 private:
  void* ctx_;
};

// A random version-4 UUID, lower-case hex with dashes.
std::string random_uuid();
// A version-8 UUID derived from `name` by SHA-256: the same name always gives
// the same id. Used for command ids that must be deterministic (timers).
std::string uuid_from_name(std::string_view name);

}  // namespace aftercare
