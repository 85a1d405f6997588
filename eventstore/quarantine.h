// Quarantine: records an operator has set aside because they do not decode.
//
// The service itself never writes such a record (the command bus checks
// that every envelope reads back before it appends), but a log can still
// hold one: written by an older version, damaged on disk, or produced to
// Kafka by someone else. Readers stop at such a record rather than skip it
// silently, since skipping would make read models wrong without a trace.
// An operator who has looked at it and cannot repair it at its source lists
// it here (`aftercare quarantine`); the projection runner, replay and audit
// then skip exactly that record — same place, same bytes — and say so.
//
// Stored as <data dir>/quarantine.json, a JSON array of
// {"record": "aftercare.requests/3@1043", "sha256": "…", "reason": "…", "at": "…"}.
// Immutable once loaded: thread-safe for readers.
#pragma once

#include <string>
#include <vector>

#include "domain/status.h"
#include "domain/time.h"
#include "eventstore/event_log.h"

namespace aftercare {

struct QuarantinedRecord {
  RecordId at;
  std::string sha256;  // hex SHA-256 of the record's value
  std::string reason;
  std::string added_at;  // RFC 3339
};

// "aftercare.requests/3@1043" <-> RecordId.
std::string record_name(const RecordId& r);
Result<RecordId> parse_record_name(std::string_view name);

class Quarantine {
 public:
  // Reads <dir>/quarantine.json; an absent file is an empty quarantine.
  static Result<Quarantine> load(const std::string& data_dir);
  // Adds `record` (read from the log by the caller) and rewrites the file atomically.
  static Status add(const std::string& data_dir, const Record& record, std::string_view reason,
                    Timestamp now);

  // True when `r` is a quarantined record: same place and same bytes.
  bool contains(const Record& r) const;
  const std::vector<QuarantinedRecord>& records() const { return records_; }
  bool empty() const { return records_.empty(); }

 private:
  std::vector<QuarantinedRecord> records_;
};

// What an operator can do about an undecodable record, for messages of
// serve, replay and audit.
std::string undecodable_advice(const RecordId& r);
// The same for a record that decodes but cannot be applied (an event type or
// shape this version does not know, written by another producer).
std::string unapplicable_advice(const RecordId& r);

}  // namespace aftercare
