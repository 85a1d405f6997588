#include "eventstore/upcast.h"

#include "domain/kind.h"

namespace aftercare {

void Upcasters::add(std::string from_type, std::string to_type, Step step) {
  steps_[std::move(from_type)] = Entry{std::move(to_type), std::move(step)};
}

Status Upcasters::upcast(Envelope& e) const {
  // A chain longer than the table would mean a cycle.
  for (size_t hops = 0; hops <= steps_.size(); ++hops) {
    auto it = steps_.find(e.type);
    if (it == steps_.end()) return Status::ok();
    auto data = it->second.step(e.data);
    if (!data) {
      return {Errc::corruption, "upcasting " + e.type + ": " + data.status().message()};
    }
    e.data = std::move(data).value();
    e.type = it->second.to_type;
  }
  return {Errc::corruption, "upcaster cycle at " + e.type};
}

void add_upcasters(Upcasters& u) {
  // Each registered kind declares its events' older versions (domain/kind.h).
  for (const AggregateKind& kind : all_kinds())
    for (const EventSpec& event : kind.spec().events)
      for (size_t v = 1; v <= event.upcasts.size(); ++v)
        u.add(make_type(kind.name(), event.name, static_cast<int>(v)),
              make_type(kind.name(), event.name, static_cast<int>(v + 1)), event.upcasts[v - 1]);
}

const Upcasters& event_upcasters() {
  static const Upcasters* u = [] {
    auto* out = new Upcasters();
    add_upcasters(*out);
    return out;
  }();
  return *u;
}

}  // namespace aftercare
