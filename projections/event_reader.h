// The events of one aggregate, read through the events index: one prefix
// scan for their locations, one point read from the log each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eventstore/envelope.h"
#include "eventstore/event_log.h"
#include "projections/read_store.h"

namespace aftercare {

// Events of `subject` ("request/R-1") with after < sequence <= max_sequence,
// in order, at most `limit` of them.
// Envelopes are upcast to the newest version of their type; the raw bytes
// are returned alongside, as stored.
struct IndexedEvent {
  Envelope envelope;
  std::string raw;
};
Result<std::vector<IndexedEvent>> events_of(EventLog& log, const ReadStore& store,
                                            const std::string& subject, uint64_t max_sequence = UINT64_MAX,
                                            uint64_t after = 0, size_t limit = SIZE_MAX);

// The record an events index row ("e/…" -> "<topic>/<partition>@<offset>") names.
Result<Record> indexed_record(EventLog& log, std::string_view row, std::string_view where);

// An aggregate's state rebuilt from its stored events, and its version.
struct FoldedState {
  std::string state;  // "" until the first event
  uint64_t version = 0;
};
// Applies one stored event of the aggregate (its kind read from the type).
Status fold_envelope(FoldedState& folded, const Envelope& e);

}  // namespace aftercare
