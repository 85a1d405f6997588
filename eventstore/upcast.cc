#include "eventstore/upcast.h"

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

}  // namespace aftercare
