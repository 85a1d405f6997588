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

enum class Role { agent, dispatcher, engineer, manager, auditor, admin };

std::string_view role_name(Role r);
std::optional<Role> role_from_name(std::string_view name);

struct Principal {
  Role role = Role::auditor;
  std::string actor;        // recorded in events: "<role>:<name>"; never the token itself
  std::string engineer_id;  // engineer tokens: the engineer they act as
  std::vector<std::string> regions;  // empty: all regions

  bool sees_region(std::string_view region) const;
};

class Tokens {
 public:
  // Reads `path`; creates it with one admin token when it does not exist.
  // `created_token` receives the new token in that case.
  static Result<Tokens> load_or_create(const std::string& path, std::string* created_token);
  static Result<Tokens> parse(std::string_view json);

  const Principal* find(std::string_view token) const;
  size_t size() const { return by_token_.size(); }

 private:
  std::unordered_map<std::string, Principal> by_token_;
};

}  // namespace aftercare
