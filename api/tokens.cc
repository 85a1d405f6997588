#include "api/tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/ids.h"
#include "domain/json.h"

namespace aftercare {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::agent: return "agent";
    case Role::dispatcher: return "dispatcher";
    case Role::engineer: return "engineer";
    case Role::manager: return "manager";
    case Role::auditor: return "auditor";
    case Role::admin: return "admin";
  }
  return "unknown";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (Role r : {Role::agent, Role::dispatcher, Role::engineer, Role::manager, Role::auditor,
                 Role::admin})
    if (role_name(r) == name) return r;
  return std::nullopt;
}

bool Principal::sees_region(std::string_view region) const {
  return regions.empty() || std::find(regions.begin(), regions.end(), region) != regions.end();
}

Result<Tokens> Tokens::parse(std::string_view json) {
  simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  if (!root) return root.status();
  simdjson::dom::array arr;
  if (root->get_array().get(arr)) return Status{Errc::invalid_argument, "tokens file must be a JSON array"};
  Tokens tokens;
  size_t index = 0;
  for (auto entry : arr) {
    const std::string where = "tokens[" + std::to_string(index++) + "]";
    std::string_view token, role, name, engineer;
    if (entry["token"].get_string().get(token) || token.size() < 16)
      return Status{Errc::invalid_argument, where + ".token must be a string of 16+ characters"};
    if (entry["role"].get_string().get(role) || !role_from_name(role))
      return Status{Errc::invalid_argument, where + ".role must be a known role"};
    Principal p;
    p.role = *role_from_name(role);
    if (!entry["engineer_id"].get_string().get(engineer)) p.engineer_id = engineer;
    if (p.role == Role::engineer && p.engineer_id.empty())
      return Status{Errc::invalid_argument, where + ": engineer tokens need engineer_id"};
    simdjson::dom::array regions;
    if (!entry["regions"].get_array().get(regions)) {
      for (auto r : regions) {
        std::string_view s;
        if (r.get_string().get(s)) return Status{Errc::invalid_argument, where + ".regions must be strings"};
        p.regions.emplace_back(s);
      }
    }
    if (entry["name"].get_string().get(name)) {
      // Unnamed tokens are told apart by a digest, never by the secret itself.
      p.actor = std::string(role) + ":" + to_hex(sha256(token)).substr(0, 12);
    } else {
      p.actor = std::string(role) + ":" + std::string(name);
    }
    tokens.by_token_[std::string(token)] = std::move(p);
  }
  return tokens;
}

Result<Tokens> Tokens::load_or_create(const std::string& path, std::string* created_token) {
  std::ifstream in(path);
  if (!in) {
    const std::string token = "ac_" + to_hex(sha256(random_uuid() + random_uuid()));
    JsonWriter w;
    w.begin_array().begin_object().field("token", token).field("role", "admin").field("name", "admin");
    w.key("engineer_id").null().key("regions").begin_array().end_array().end_object().end_array();
    const std::string text = w.str() + "\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return Status{Errc::io_error, "cannot create tokens file " + path};
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return Status{Errc::io_error, "cannot write tokens file " + path};
    if (created_token) *created_token = token;
    return parse(text);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto tokens = parse(ss.str());
  if (!tokens) return Status{tokens.status().code(), path + ": " + tokens.status().message()};
  return tokens;
}

const Principal* Tokens::find(std::string_view token) const {
  auto it = by_token_.find(std::string(token));
  return it == by_token_.end() ? nullptr : &it->second;
}

}  // namespace aftercare
