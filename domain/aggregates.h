// The aggregate kinds and how each folds its events into state.
//
// The write side keeps every aggregate's state as canonical JSON so one
// store serves all kinds; fold() is the kind's apply().
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/event.h"

namespace aftercare {

// `command`: a refused command sent with an Idempotency-Key; its one event
// (`refused`) records the answer a retry gets.
enum class AggregateKind { request, customer, engineer, unit, command };

std::string_view aggregate_name(AggregateKind k);  // as in event types: "request", "customer", ...
std::optional<AggregateKind> aggregate_from_name(std::string_view name);

// The state of aggregate `id` after `e`, given the state JSON before it
// ("" for a new aggregate).
Result<std::string> fold(AggregateKind k, const std::string& id, const std::string& state,
                         const Event& e);

}  // namespace aftercare
