// Bearer tokens: who is calling, with which role, for which regions.
//
// Loaded from a JSON array file (api.md → Command line). On first start
// without a file, one with a single random admin token is created (mode 0600).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/status.h"

namespace aftercare {

// `customer`: the self-service portal's tokens (docs/portal.md); they see one
// customer's own records and requests and may open requests for them.
enum class Role { agent, dispatcher, engineer, manager, auditor, admin, warehouse, customer };

std::string_view role_name(Role r);
std::optional<Role> role_from_name(std::string_view name);

struct Principal {
  Role role = Role::auditor;
  std::string actor;        // recorded in events: "<role>:<name>"; never the token itself
  std::string engineer_id;  // engineer tokens: the engineer they act as
  std::string customer_id;  // customer tokens: the customer they are
  std::vector<std::string> regions;  // empty: all regions

  bool sees_region(std::string_view region) const;
};

// Tokens are held by their SHA-256 only, and looked up in time that does not
// depend on how much of a guessed token is right. Events name a token by its
// "name"; an unnamed token is recorded as "<role>:token-" and 64 bits of an
// HMAC under a secret key kept beside the data (actor.key), so the actor in
// a log that leaks does not let anyone test guesses of the token offline.
class Tokens {
 public:
  // Reads `path`; creates it with one admin token when it does not exist.
  // `created_token` receives the new token in that case. `key_path` holds
  // the secret for unnamed tokens' actors (created, mode 0600, when missing).
  static Result<Tokens> load_or_create(const std::string& path, const std::string& key_path,
                                       std::string* created_token);
  static Result<Tokens> parse(std::string_view json, std::string_view actor_key);

  const Principal* find(std::string_view token) const;
  size_t size() const { return by_digest_.size(); }

  // Portal tokens (docs/portal.md): "acp1.<customer_id>.<expiry>.<mac>", an
  // HMAC-SHA256 under a key derived from actor.key, issued by an agent for
  // one customer and valid until `expires` (Unix seconds). Nothing is stored:
  // rotating actor.key revokes every portal token at once.
  std::string issue_portal(std::string_view customer_id, int64_t expires) const;
  // The customer principal of a portal token that is genuine and not expired at `now`.
  std::optional<Principal> find_portal(std::string_view token, int64_t now) const;
  static bool is_portal_token(std::string_view token) { return token.starts_with("acp1."); }

 private:
  std::unordered_map<std::string, Principal> by_digest_;  // SHA-256 of the token (32 bytes) -> who
  std::string portal_key_;
};

}  // namespace aftercare
