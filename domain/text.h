// Checks on text that comes from outside (headers, token files, paths)
// before it may be copied into an event. JSON bodies are checked by the
// parser; these cover everything else that reaches an envelope.
#pragma once

#include <cstddef>
#include <string_view>

namespace aftercare {

// 1..max_bytes characters of 0x21..0x7e: header values used as identifiers
// (Idempotency-Key, X-Correlation-Id).
bool is_visible_ascii(std::string_view s, size_t max_bytes);

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Valid UTF-8 without control characters (C0, DEL, C1): names and labels
// that are shown to people and recorded in events.
bool is_printable_utf8(std::string_view s);

}  // namespace aftercare
