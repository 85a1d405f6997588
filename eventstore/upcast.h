// Upcasting on read: events are immutable, so a schema change adds a new
// `vN` type, and readers convert older versions to the newest one as they
// read. An Upcasters table holds one step per old version
// (type vN -> type vN+1, data -> data); upcast() applies steps until none
// matches. Each step is a pure function of the old data.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "domain/status.h"
#include "eventstore/envelope.h"

namespace aftercare {

class Upcasters {
 public:
  // Rewrites the canonical JSON `data` of `from_type` into the data of `to_type`.
  using Step = std::function<Result<std::string>(const std::string& data)>;

  void add(std::string from_type, std::string to_type, Step step);
  // Brings `e` to the newest version known. The envelope's bytes in the log
  // are unchanged: only the in-memory event is rewritten.
  Status upcast(Envelope& e) const;

 private:
  struct Entry {
    std::string to_type;
    Step step;
  };
  std::map<std::string, Entry, std::less<>> steps_;
};

// The upcasters every registered kind declares (domain/kind.h): every
// reader of the log — the write side, the projections, audit — uses these.
const Upcasters& event_upcasters();
void add_upcasters(Upcasters& u);

}  // namespace aftercare
