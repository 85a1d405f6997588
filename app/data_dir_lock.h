// DataDirLock: one `serve` per data directory. An advisory lock on
// <data>/serve.lock (flock, released by the kernel when the process dies,
// even by kill -9), taken before anything in the directory is opened, so a
// second server says plainly what is wrong instead of a RocksDB LOCK error.
#pragma once

#include <string>

#include "domain/status.h"

namespace aftercare {

class DataDirLock {
 public:
  DataDirLock() = default;
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  Status acquire(const std::string& data_dir);

 private:
  int fd_ = -1;
};

}  // namespace aftercare
