// replay: what compliance and operations do with history.
//
//  - rebuild(): every read model from offset 0 into a fresh directory;
//  - verify: the rebuilt store's digest against the live one, naming the
//    first differing row;
//  - history() and state_as_of(): an aggregate's ordered events and its
//    state at any past moment;
//  - verify_chains(): every hash chain, and each chain's last link against
//    the head the write side recorded.
//
// Everything here reads; nothing writes to the log.
#pragma once

#include <map>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eventstore/envelope.h"
#include "eventstore/event_log.h"
#include "eventstore/quarantine.h"
#include "projections/read_store.h"

namespace aftercare {

struct RebuildReport {
  int64_t events = 0;
  int64_t rows = 0;  // read-model rows written (what a rebuild's time goes into: bench/README.md)
  double seconds = 0;
  // Thread-seconds: reading the log, decoding and folding, writing rows.
  double read_seconds = 0, fold_seconds = 0, write_seconds = 0;
  std::string digest;
};

using Progress = std::function<void(int64_t done, int64_t total)>;

// Per projection name, a position (its checkpoints).
using ProjectionPositions = std::map<std::string, Position>;

// Builds every read model of the catalogue into `out_dir` (which must not
// hold a store yet). With `until`, each exactly up to its offsets.
Result<RebuildReport> rebuild(EventLog& log, const std::string& out_dir, const Progress& progress,
                              const std::optional<ProjectionPositions>& until = std::nullopt,
                              const Quarantine* quarantine = nullptr);

// Rebuilds up to the live store's checkpoints and compares. OK when
// byte-identical; Errc::corruption naming the first difference otherwise.
// While a server runs, `live` must be a snapshot taken before `log`'s:
// the read models only ever apply what the log already holds, so the log
// then reaches at least as far as their checkpoints.
Status verify_against_live(EventLog& log, const ReadStore& live, const std::string& scratch_dir,
                           const Progress& progress, RebuildReport* report,
                           const Quarantine* quarantine = nullptr);

struct HistoryEntry {
  RecordId at;
  Envelope envelope;
  // An event of another aggregate the case caused (case_history()): its
  // aggregate's other events are not in the history.
  bool related = false;
};

// All events recorded under partition key `key` (a request id: its request,
// dispatch and visit events; a master record id: its events) on the topics
// of the registered kinds, in order.
// Quarantined records are skipped; envelopes are upcast.
// With `index` (a read-only snapshot of the read models, taken before the
// log's), the case's aggregates and their events are found through the
// events index up to its checkpoints, and only the log's tail past them is
// scanned; without it, every record of the key's partition is read.
Result<std::vector<HistoryEntry>> history(EventLog& log, std::string_view key,
                                          const Quarantine* quarantine = nullptr,
                                          const ReadStore* index = nullptr);

// A service case: history(key) and the part movements its aggregates
// caused. Those are keyed by their stock item ("<warehouse>/<part>"), so
// they are found through the items the case's events name (a dispatch's
// parts at its parts warehouse, a visit's parts used and needed) and kept
// when they name one of the case's dispatches or visits. In order.
Result<std::vector<HistoryEntry>> case_history(EventLog& log, std::string_view key,
                                               const Quarantine* quarantine = nullptr,
                                               const ReadStore* index = nullptr);

// The state of aggregate `subject` ("request/R-1") after its events up to
// and including `as_of` (all events when nullopt); "" if it did not exist yet.
Result<std::string> state_as_of(const std::vector<HistoryEntry>& history, std::string_view subject,
                                std::optional<Timestamp> as_of);

struct ChainReport {
  int64_t events = 0;
  int64_t aggregates = 0;
  int64_t quarantined = 0;     // records skipped (eventstore/quarantine.h)
  bool heads_checked = false;  // the write side's heads were available
  int64_t heads_matched = 0;   // chains that end exactly at their recorded head
  int64_t heads_behind = 0;    // chains longer than their head (not written to the rows yet)
  std::optional<std::string> first_break;  // the first broken link, described
};

// Checks every event decodes canonically, every sequence follows its
// predecessor, every prevhash matches, and every chain ends at the head
// recorded in `heads` (the write side's state, StateStore::recorded_heads)
// when given.
// Every recorded head must lie on its chain: none beyond its end (tail
// removed), none without a chain (aggregate removed), none with another hash.
Result<ChainReport> verify_chains(EventLog& log, const std::vector<ChainHead>* heads, const Progress& progress,
                                  const Quarantine* quarantine = nullptr);

}  // namespace aftercare
