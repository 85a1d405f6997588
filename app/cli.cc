#include "app/cli.h"

#include <algorithm>
#include <cstdlib>

namespace aftercare {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& flags,
           const std::vector<std::string>& switches) {
  auto known = [](const std::vector<std::string>& list, const std::string& n) {
    return std::find(list.begin(), list.end(), n) != list.end();
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (!a.starts_with("--")) {
      positional_.push_back(a);
      continue;
    }
    const size_t eq = a.find('=');
    const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (known(switches, name) && eq == std::string::npos) {
      values_[name] = "1";
    } else if (known(flags, name)) {
      if (eq != std::string::npos) {
        values_[name] = a.substr(eq + 1);
      } else if (i + 1 < argv.size()) {
        values_[name] = argv[++i];
      } else {
        error_ = "--" + name + " needs a value";
      }
    } else {
      error_ = "unknown option " + a;
    }
  }
}

std::string Args::get(const std::string& name, const char* env, const std::string& fallback) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (const char* e = env ? std::getenv(env) : nullptr; e && *e) return e;
  return fallback;
}

std::optional<std::string> Args::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  return std::nullopt;
}

}  // namespace aftercare
