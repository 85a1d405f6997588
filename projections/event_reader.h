// The events of one aggregate, read through the events index: one prefix
// scan for their locations, one point read from the log each.
#pragma once

#include <string>
#include <vector>

#include "eventstore/envelope.h"
#include "eventstore/event_log.h"
#include "projections/read_store.h"

namespace aftercare {

// Events of `subject` ("request/R-1") with sequence <= max_sequence, in order.
// The raw bytes are returned alongside, as stored.
struct IndexedEvent {
  Envelope envelope;
  std::string raw;
};
Result<std::vector<IndexedEvent>> events_of(EventLog& log, const ReadStore& store,
                                            const std::string& subject, uint64_t max_sequence = UINT64_MAX);

}  // namespace aftercare
