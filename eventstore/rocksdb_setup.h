// How the service's RocksDB instances (the embedded log, the read models)
// report trouble and recover from a full disk.
//
// Diagnostics: by default every instance writes an info log (LOG, LOG.old.*)
// into its own directory, that is onto the data disk. On a full disk that
// file is the first to fail, and Debian's librocksdb, built with
// assertions, aborted the process there: the designed path (refuse commands
// with 503, keep serving reads, resume when space returns) never ran.
// Warnings and errors go to stderr through the service's logger instead
// ({"event":"rocksdb","db":...}); nothing but data is written beside data.
//
// Recovery: after a refused write RocksDB takes no more writes. Its own
// recovery waits until as much space is free as its largest write buffer
// (64 MiB) and refuses DB::Resume() meanwhile; the service instead calls
// Resume() itself every second (EmbeddedLog, ProjectionRunner), which
// succeeds as soon as the memtables fit on disk again.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace rocksdb {
struct DBOptions;
class Status;
}

namespace aftercare {

// Sets `options`' info log and error listener; `db` names the instance in
// each line ("log", "views").
void use_service_error_handling(rocksdb::DBOptions& options, std::string db);

// A RocksDB failure as ours: io_error, "<what>: <RocksDB's words>".
Status from_rocks(const rocksdb::Status& s, std::string_view what);

// A frozen image of a RocksDB directory that a running server keeps
// changing, for read-only opens (replay, audit). Opening the live directory
// read-only raced the server: a flush or compaction could delete a file
// between the MANIFEST naming it and the open reaching it ("Corruption …
// No such file"), and under load a long open lost that race every time.
// The image copies CURRENT and the MANIFEST as they are now and hard-links
// every table and write-ahead log file, so the files it names stay put
// however long the open takes; the window left is the few milliseconds
// between the copy and the links, and an open that still loses it is
// retried (ten times, 50 ms apart) before a failure is reported.
// The image lives beside the directory (`<dir>.snapshot-<pid>-<n>`, same
// filesystem) and is removed with this object; images left by a killed
// process are removed by the next one. Where links cannot be made (another
// filesystem, no write permission) the directory itself is opened.
class StoreSnapshot {
 public:
  ~StoreSnapshot();
  StoreSnapshot(const StoreSnapshot&) = delete;
  StoreSnapshot& operator=(const StoreSnapshot&) = delete;

  // Takes an image of `dir` and calls `open(image_dir)` on it, retrying as
  // above; not_found from `open` (no such store) is not retried.
  static Result<std::unique_ptr<StoreSnapshot>> open(const std::string& dir,
                                                     const std::function<Status(const std::string& image_dir)>& open);

 private:
  StoreSnapshot() = default;
  std::string image_;  // empty when the directory itself was opened
};

}  // namespace aftercare
