// aftercare: one binary, several subcommands.
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli.h"

namespace {

constexpr const char* kUsage =
    "usage: aftercare <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve    run the HTTP command and query API (embedded log in ./data by default)\n"
    "  replay   rebuild every read model from the log; --verify compares with the live ones\n"
    "  audit    print an aggregate's history and state as of a time; --verify-chains\n"
    "  quarantine  set aside a record of the log that does not decode (serve, replay, audit skip it)\n"
    "  recover-log keep what precedes damage in the embedded log (serve refuses a damaged log)\n"
    "  dev-broker  start an in-memory Kafka broker with the aftercare topics (development, tests)\n"
    "\n"
    "Run `aftercare <command> --help` for the options of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "serve") return aftercare::serve_main(rest);
  if (command == "replay") return aftercare::replay_main(rest);
  if (command == "audit") return aftercare::audit_main(rest);
  if (command == "dev-broker") return aftercare::dev_broker_main(rest);
  if (command == "quarantine") return aftercare::quarantine_main(rest);
  if (command == "recover-log") return aftercare::recover_log_main(rest);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "aftercare: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
  return 2;
}
