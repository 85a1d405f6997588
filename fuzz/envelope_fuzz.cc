// libFuzzer target: event envelope decoding, as every reader of the log
// and replay does it. decode() must return an envelope or an error — never
// crash or leak — and what it accepts must have one canonical form: the
// bytes encode() gives for it decode to the same envelope and encode to
// themselves. (decode() accepts other spellings of the same JSON;
// `audit --verify-chains` is what insists on the canonical bytes.)
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "eventstore/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto envelope = aftercare::decode(bytes, parser);
  if (!envelope) return 0;
  const std::string canonical = aftercare::encode(*envelope);
  auto again = aftercare::decode(canonical, parser);
  if (!again || aftercare::encode(*again) != canonical) __builtin_trap();
  return 0;
}
