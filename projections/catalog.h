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

// event_upcasters() and add_upcasters(): eventstore/upcast.h.

}  // namespace aftercare
