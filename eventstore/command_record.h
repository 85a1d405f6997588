// CommandRecord: what a command id wrote, derived from its events — the
// aggregate, the range of sequences, the id of its first event and, for a
// refusal (aftercare.commands), the answer it got. The write side's state
// store keeps one per command id for idempotency; the read side's events
// index keeps the same for queries. Both derive it with next_command_record().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "eventstore/envelope.h"

namespace aftercare {

struct CommandRecord {
  std::string subject;  // "<kind>/<id>"; "command/<command id>" for a refusal
  uint64_t first = 0;   // sequence of its first event
  uint64_t last = 0;    // sequence of its last event
  std::string first_id; // event id of its first event
  // A refused command: the answer it got, which a retry gets again.
  struct Refusal {
    Errc code = Errc::conflict;
    std::string detail, current_status;
  };
  std::optional<Refusal> refused;
};
std::string encode_command_record(const CommandRecord& r);
std::optional<CommandRecord> decode_command_record(std::string_view row);

// The record of `e`'s command after `e`, given the record of its earlier
// events (nullopt for its first). Corruption for a malformed refusal.
Result<CommandRecord> next_command_record(const Envelope& e, const std::optional<CommandRecord>& earlier);

}  // namespace aftercare
