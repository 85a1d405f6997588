// What decide() returns: new events, or a rejection saying why not.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "domain/status.h"
#include "domain/time.h"

namespace aftercare {

// A domain event before it is put in an envelope. Its CloudEvents type is
// aftercare.<aggregate kind>.<name>.v<version>.
struct Event {
  std::string name;  // "registered", "opened", "assigned", ...
  int version = 1;
  std::string data;  // canonical JSON object
  Timestamp time;    // when it happened: the command's "now", later the envelope's time
};

struct Rejection {
  Errc code;             // conflict (illegal transition), unprocessable, not_found, ...
  std::string message;   // for the problem+json "detail"
  std::string current_status;  // set for illegal state transitions
};

// Empty vector = accepted, nothing changed (e.g. an upsert with equal data).
using Decision = std::variant<std::vector<Event>, Rejection>;

inline bool rejected(const Decision& d) { return std::holds_alternative<Rejection>(d); }

}  // namespace aftercare
