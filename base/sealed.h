// Sealed secrets: a secret the service must keep (a webhook's signing key)
// but must not write to the event log in clear, since the log is read by
// analytics consumers and kept forever. It is sealed with AES-256-GCM under
// a key kept beside the data (DATA/secrets.key, 0600, made on first use);
// the event carries only the sealed form, bound to its owner by the
// associated data (a sealed secret copied to another webhook does not open).
//
// Losing the key file loses the secrets, not the events: the owner sets
// the secret again (docs/operations.md).
#pragma once

#include <string>
#include <string_view>

#include "domain/status.h"

namespace aftercare {

class Sealer {
 public:
  // The key at `path`, created (32 random bytes, hex, 0600) when missing.
  static Result<Sealer> open(const std::string& path);
  // A sealer with `key` (32 bytes), for tests and benchmarks.
  static Result<Sealer> with_key(std::string key);

  // "a256gcm:<nonce hex>:<ciphertext and tag hex>", with a fresh random nonce.
  Result<std::string> seal(std::string_view secret, std::string_view owner) const;
  // The secret, or an error when `sealed` was not sealed by this key for `owner`.
  Result<std::string> unseal(std::string_view sealed, std::string_view owner) const;

 private:
  explicit Sealer(std::string key) : key_(std::move(key)) {}
  std::string key_;  // 32 bytes
};

}  // namespace aftercare
