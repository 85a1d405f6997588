// WalCheck: tells a torn tail from damage in the embedded log's RocksDB
// write-ahead log files, before RocksDB replays them.
//
// Acknowledged batches are synced whole, so the only damage a crash may
// leave is at the very end of the newest file: a batch cut short, never
// acknowledged, which recovery may drop. A bad record followed by any good
// one — in the same file or a later one — is damage in the middle, and
// replaying up to it would silently drop acknowledged batches after it.
// RocksDB's own recovery modes cannot tell the two apart (point-in-time
// recovery stops at either; absolute consistency refuses both), so this
// reads the files' record framing itself (RocksDB's log format: 32 KiB
// blocks of records with a masked CRC32C, length and type).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/status.h"

namespace aftercare {

struct WalDamage {
  std::string file;  // the damaged file
  uint64_t offset = 0;  // where its first bad record starts
};

// The damage before the end of the write-ahead logs in `db_dir`, if any;
// a torn tail is not damage. An error when the files cannot be read.
Result<std::optional<WalDamage>> find_wal_damage(const std::string& db_dir);

// CRC-32C (Castagnoli), as RocksDB's log format uses it.
uint32_t crc32c(uint32_t crc, const char* data, size_t n);

}  // namespace aftercare
