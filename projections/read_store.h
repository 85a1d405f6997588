// ReadStore: the RocksDB database that holds every read model (one column
// family per projection) and the projection runner's checkpoints.
//
// Read models are derived data: they can always be rebuilt from the log, so
// their writes are not synced (a crash loses a suffix of batches, and the
// checkpoint travels in the same batch, so it is lost with them).
//
// Thread-safe: queries read it concurrently with the runner's writes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/status.h"
#include "eventstore/event_log.h"
#include "eventstore/rocksdb_setup.h"
#include "eventstore/topics.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Iterator;
class Snapshot;
}  // namespace rocksdb

namespace aftercare {

// The meta-family key of projection `projection`'s checkpoint for `tp`
// (value: next offset, 8 bytes big-endian). Each projection has its own
// checkpoints, so one can be rebuilt while the others go on.
std::string checkpoint_key(std::string_view projection, TopicPartition tp);
// The meta-family key of a projection's signature (the log it was built
// from and its version): a different one means rebuild it.
std::string signature_key(std::string_view projection);

class ReadStore {
 public:
  // Opens (creating if needed) with a column family for each name.
  // `read_only` opens a snapshot of the store as it is now, even while a
  // server writes to it.
  static Result<std::unique_ptr<ReadStore>> open(const std::string& dir,
                                                 const std::vector<std::string>& families,
                                                 bool read_only = false);
  ~ReadStore();

  rocksdb::DB& db() { return *db_; }
  const std::string& dir() const { return dir_; }
  rocksdb::ColumnFamilyHandle* family(std::string_view name) const;
  rocksdb::ColumnFamilyHandle* meta() const { return handles_[0]; }

  // Point read from a read model: the row, nullopt when there is none, or
  // the error that kept it from being read (never mistaken for "absent").
  Result<std::optional<std::string>> get(std::string_view family, std::string_view key) const;
  // Rows of `family` whose keys start with `prefix`, from `start` (inclusive;
  // empty = from the prefix), up to `limit`. Keys and values.
  Result<std::vector<std::pair<std::string, std::string>>> scan(std::string_view family,
                                                                std::string_view prefix,
                                                                std::string_view start,
                                                                size_t limit) const;

  // Calls `row(key, value)` for the rows of `family` whose keys start with
  // `prefix`, from `start` (inclusive; empty = from the prefix), until it
  // returns false. Reads only as far as the caller goes.
  Status visit(std::string_view family, std::string_view prefix, std::string_view start,
               const std::function<bool(std::string_view key, std::string_view value)>& row) const;

  // Like visit() over several prefixes at once, merged in the order of the
  // keys' suffixes (what follows each prefix): `row(suffix)` sees every
  // suffix once per prefix holding it, smallest first, from those greater
  // than `after` (empty = from the start). List pages read several indexes
  // (one per region of a token) as one with it.
  Status visit_merged(std::string_view family, const std::vector<std::string>& prefixes,
                      std::string_view after, const std::function<bool(std::string_view suffix)>& row) const;

  // Drops and recreates the read-model family `name` (empty).
  Status reset_family(std::string_view name);

  // SHA-256 over every row of every read model (family name, key, value), in
  // key order, hex. Equal digests mean byte-identical read models.
  std::string digest() const;
  // Per-family digests, to name the first difference.
  std::map<std::string, std::string> family_digests() const;
  // The first row (family, key) at which two stores differ, for reports.
  std::optional<std::string> first_difference(const ReadStore& other) const;

  const std::vector<std::string>& family_names() const { return names_; }

  // A projection's checkpoints as a Position (read-only use: replay --verify).
  Position checkpoints(std::string_view projection, const std::vector<TopicPartition>& partitions) const;

 private:
  ReadStore() = default;
  static Result<std::unique_ptr<ReadStore>> open_once(const std::string& dir, const std::vector<std::string>& families,
                                                      bool read_only);
  // Called after a scan of [begin, end) of family `name` that stepped over
  // `deleted` rows: past a threshold, the range is compacted in the background.
  void compact_if_riddled(std::string_view name, std::string_view begin, std::string_view end, uint64_t deleted) const;

  class Compactor;
  std::unique_ptr<StoreSnapshot> snapshot_;  // read-only: the image opened (removed last)
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<Compactor> compactor_;  // after db_: stopped before it closes; null when read-only
  std::string dir_;
  std::vector<std::string> names_;                     // read-model families
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] meta, then one per name
};

}  // namespace aftercare
