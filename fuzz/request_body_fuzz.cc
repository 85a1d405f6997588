// libFuzzer target: an HTTP command body, as the API decodes it. The first
// byte picks the command (each request action, or a master-data kind); the
// rest is the body. Decoding must return a value or an error — never crash,
// leak, or accept something it cannot encode again.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/request.h"

namespace {

constexpr std::string_view kActions[] = {"open",     "assign", "suspend", "resume", "report",
                                         "resolve-remotely", "callback", "unlock", "cancel"};
// Every registered master record kind.
std::vector<const aftercare::MasterSpec*> master_specs() {
  std::vector<const aftercare::MasterSpec*> out;
  for (const auto& k : aftercare::all_kinds())
    if (k.master()) out.push_back(k.master());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static simdjson::dom::parser parser;
  static const std::vector<const aftercare::MasterSpec*> kinds = master_specs();
  const size_t pick = data[0] % (std::size(kActions) + kinds.size());
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto root = aftercare::parse_strict(parser, body);
  if (!root) return 0;
  if (pick < std::size(kActions)) {
    auto command = aftercare::decode_request_command(kActions[pick], *root);
    (void)command;
  } else {
    auto normalized = aftercare::normalize_master(*kinds[pick - std::size(kActions)], "C-1", *root);
    if (normalized) {
      // What normalize_master writes is what the log stores: it must parse back strictly.
      simdjson::dom::parser again;
      if (!aftercare::parse_strict(again, *normalized)) __builtin_trap();
    }
  }
  return 0;
}
