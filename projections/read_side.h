// ReadSide: the projection runners of a running service seen as one — the
// live runner (every read model that is up to date, and those the write
// side depends on) and, while read models of a new version are rebuilt, a
// second runner for them, so that neither queries of the others nor
// commands wait for a rebuild (docs/architecture.md, "Read models rebuilt
// one by one").
//
// A position is reached when every runner has applied its part of it.
// Thread-safe, as ProjectionRunner is.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "projections/runner.h"

namespace aftercare {

class ReadSide {
 public:
  // `rebuilding` may be null: nothing is being rebuilt.
  ReadSide(ProjectionRunner& live, ProjectionRunner* rebuilding) : live_(live), rebuilding_(rebuilding) {}

  void when_applied(const Position& target, std::chrono::milliseconds timeout, std::function<void(bool)> done);
  // Per partition, what every runner consuming it has applied.
  Position applied() const;
  int64_t lag();
  // OK while every runner applies events.
  Status health() const;
  // Read models still being rebuilt ("requests, stats: 1234 events to go"), or "".
  std::string rebuilding();

 private:
  ProjectionRunner& live_;
  ProjectionRunner* rebuilding_;
};

// The part of `target` that `runner` consumes.
Position restricted_to(const Position& target, const ProjectionRunner& runner);

}  // namespace aftercare
