#include "api/tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "base/ids.h"
#include "domain/json.h"
#include "domain/text.h"

namespace aftercare {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::agent: return "agent";
    case Role::dispatcher: return "dispatcher";
    case Role::engineer: return "engineer";
    case Role::manager: return "manager";
    case Role::auditor: return "auditor";
    case Role::admin: return "admin";
    case Role::warehouse: return "warehouse";
    case Role::customer: return "customer";
  }
  return "unknown";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (Role r : {Role::agent, Role::dispatcher, Role::engineer, Role::manager, Role::auditor,
                 Role::admin, Role::warehouse, Role::customer})
    if (role_name(r) == name) return r;
  return std::nullopt;
}

bool Principal::sees_region(std::string_view region) const {
  return regions.empty() || std::find(regions.begin(), regions.end(), region) != regions.end();
}

namespace {

constexpr size_t kMaxNameBytes = 64;

std::string digest_of(std::string_view token) {
  const Sha256 d = sha256(token);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

Result<std::string> read_or_create_key(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    std::string key;
    std::getline(in, key);
    if (key.size() < 32) return Status{Errc::invalid_argument, path + " must hold a key of 32+ characters"};
    return key;
  }
  const std::string key = to_hex(sha256(random_uuid() + random_uuid()));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status{Errc::io_error, "cannot create " + path};
  const std::string text = key + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status{Errc::io_error, "cannot write " + path};
  return key;
}

}  // namespace

Result<Tokens> Tokens::parse(std::string_view json, std::string_view actor_key) {
  simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  if (!root) return root.status();
  simdjson::dom::array arr;
  if (root->get_array().get(arr)) return Status{Errc::invalid_argument, "tokens file must be a JSON array"};
  Tokens tokens;
  tokens.portal_key_ = to_hex(hmac_sha256(actor_key, "aftercare portal tokens v1"));
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
    std::string_view customer;
    if (!entry["customer_id"].get_string().get(customer)) p.customer_id = customer;
    if ((p.role == Role::customer) != !p.customer_id.empty())
      return Status{Errc::invalid_argument, where + ": customer_id is for customer tokens, and they need it"};
    if (!is_printable_utf8(p.customer_id) || p.customer_id.size() > kMaxNameBytes)
      return Status{Errc::invalid_argument, where + ".customer_id must be 1..64 bytes of printable UTF-8"};
    simdjson::dom::array regions;
    if (!entry["regions"].get_array().get(regions)) {
      for (auto r : regions) {
        std::string_view s;
        if (r.get_string().get(s) || s.empty() || !is_printable_utf8(s))
          return Status{Errc::invalid_argument, where + ".regions must be non-empty printable strings"};
        p.regions.emplace_back(s);
      }
    }
    if (p.role == Role::customer) {
      p.actor = "customer:" + p.customer_id;  // as a portal token's: the customer, whoever holds the token
    } else if (entry["name"].get_string().get(name)) {
      p.actor = std::string(role) + ":token-" + to_hex(hmac_sha256(actor_key, token)).substr(0, 16);
    } else {
      // The name is recorded in every event this token causes.
      if (name.empty() || name.size() > kMaxNameBytes || !is_printable_utf8(name))
        return Status{Errc::invalid_argument, where + ".name must be 1..64 bytes of printable UTF-8"};
      p.actor = std::string(role) + ":" + std::string(name);
    }
    if (!tokens.by_digest_.emplace(digest_of(token), std::move(p)).second)
      return Status{Errc::invalid_argument, where + ".token is listed twice"};
  }
  return tokens;
}

Result<Tokens> Tokens::load_or_create(const std::string& path, const std::string& key_path,
                                      std::string* created_token) {
  auto key = read_or_create_key(key_path);
  if (!key) return key.status();
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
    return parse(text, *key);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto tokens = parse(ss.str(), *key);
  if (!tokens) return Status{tokens.status().code(), path + ": " + tokens.status().message()};
  return tokens;
}

const Principal* Tokens::find(std::string_view token) const {
  // The map is keyed by the token's digest: how long a lookup takes tells
  // nothing about how close a guess came to a real token.
  const std::string digest = digest_of(token);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end() || !constant_time_equal(it->first, digest)) return nullptr;
  return &it->second;
}

std::string Tokens::issue_portal(std::string_view customer_id, int64_t expires) const {
  const std::string body = "acp1." + std::string(customer_id) + "." + std::to_string(expires);
  return body + "." + to_hex(hmac_sha256(portal_key_, body));
}

std::optional<Principal> Tokens::find_portal(std::string_view token, int64_t now) const {
  if (!is_portal_token(token) || token.size() > 256) return std::nullopt;
  const size_t mac_dot = token.rfind('.');
  const std::string_view body = token.substr(0, mac_dot), mac = token.substr(mac_dot + 1);
  // The MAC is compared before anything in the body is believed.
  if (!constant_time_equal(mac, to_hex(hmac_sha256(portal_key_, body)))) return std::nullopt;
  const size_t expiry_dot = body.rfind('.');
  if (expiry_dot <= 5) return std::nullopt;
  int64_t expires = 0;
  const std::string_view e = body.substr(expiry_dot + 1);
  auto [end, ec] = std::from_chars(e.data(), e.data() + e.size(), expires);
  if (ec != std::errc() || end != e.data() + e.size() || expires <= now) return std::nullopt;
  Principal p;
  p.role = Role::customer;
  p.customer_id = std::string(body.substr(5, expiry_dot - 5));
  p.actor = "customer:" + p.customer_id;
  return p;
}

}  // namespace aftercare
