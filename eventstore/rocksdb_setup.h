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
#include <string>

#include "domain/status.h"

namespace rocksdb {
struct DBOptions;
}

namespace aftercare {

// Sets `options`' info log and error listener; `db` names the instance in
// each line ("log", "views").
void use_service_error_handling(rocksdb::DBOptions& options, std::string db);

// Read-only opens of a store that a running server writes to (replay,
// audit) take a snapshot of files the server keeps changing: a compaction
// or flush may delete a file between the MANIFEST naming it and the open
// ("No such file"), and the write-ahead log may be read mid-append. Such a
// race is not damage: `open` is tried up to five times, 100 ms apart, and
// only a failure that persists is reported. `open` returns not_found for a
// store that does not exist, which is not retried.
// (With max_open_files = -1, which the read-only opens set, every table
// file is opened during the open itself, so a later deletion cannot pull
// one away from under the snapshot.)
Status open_snapshot_retrying(const std::function<Status()>& open);

}  // namespace aftercare
