// Command-line parsing shared by the subcommands: `--flag value` and
// `--flag=value`, environment fallbacks, and --help.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aftercare {

class Args {
 public:
  // `flags` are the options taking a value; `switches` those that do not.
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& flags,
       const std::vector<std::string>& switches);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The flag's value, else the environment variable's, else `fallback`.
  std::string get(const std::string& name, const char* env, const std::string& fallback) const;
  std::optional<std::string> get(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::string error_;
};

int serve_main(const std::vector<std::string>& argv);
int replay_main(const std::vector<std::string>& argv);
int audit_main(const std::vector<std::string>& argv);
int dev_broker_main(const std::vector<std::string>& argv);
int quarantine_main(const std::vector<std::string>& argv);
int recover_log_main(const std::vector<std::string>& argv);

}  // namespace aftercare
