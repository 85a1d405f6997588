#include "domain/status.h"

namespace aftercare {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::precondition_failed: return "precondition_failed";
    case Errc::unprocessable: return "unprocessable";
    case Errc::corruption: return "corruption";
    case Errc::io_error: return "io_error";
    case Errc::forbidden: return "forbidden";
    case Errc::unavailable: return "unavailable";
    case Errc::timeout: return "timeout";
    case Errc::outcome_unknown: return "outcome_unknown";
  }
  return "unknown";
}

std::optional<Errc> errc_from_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Errc::outcome_unknown); ++i)
    if (name == errc_name(static_cast<Errc>(i))) return static_cast<Errc>(i);
  return std::nullopt;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(errc_name(code_)) + ": " + message_;
}

}  // namespace aftercare
