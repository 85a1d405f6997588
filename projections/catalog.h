// The catalogue: every projection aftercare maintains and every upcaster
// its readers apply. `serve` and `replay` both build their stores from this
// one list, which is what makes their digests comparable.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eventstore/upcast.h"
#include "projections/projection.h"

namespace aftercare {

struct Catalog {
  std::vector<std::unique_ptr<Projection>> projections;
  Upcasters upcasters;

  std::vector<Projection*> pointers() const;
  std::vector<std::string> family_names() const;
};

Catalog make_catalog();

// The upcasters of every event type (the catalogue's): every reader of the
// log — the runner, as-of views, idempotent retries, audit — folds events
// only after these, so all of them see one schema per event type.
const Upcasters& event_upcasters();
void add_upcasters(Upcasters& u);

}  // namespace aftercare
