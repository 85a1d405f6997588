#include "eventstore/wal_check.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

namespace aftercare {
namespace {

constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;  // crc (4) | length (2, LE) | type (1); legacy, non-recycled files
constexpr uint8_t kZeroType = 0, kLastType = 4;
constexpr uint32_t kMaskDelta = 0xa282ead8u;

const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0x82f63b78u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

uint32_t unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

uint32_t le32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) | static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

// Whether a well-formed record starts at `at`; its end in `next`.
bool good_record(const std::string& bytes, size_t at, size_t& next) {
  const size_t block_left = kBlockSize - at % kBlockSize;
  if (block_left < kHeaderSize || at + kHeaderSize > bytes.size()) return false;
  const char* h = bytes.data() + at;
  const size_t length = static_cast<uint8_t>(h[4]) | static_cast<size_t>(static_cast<uint8_t>(h[5])) << 8;
  const uint8_t type = static_cast<uint8_t>(h[6]);
  if (type == kZeroType || type > kLastType || kHeaderSize + length > block_left || at + kHeaderSize + length > bytes.size())
    return false;
  if (crc32c(0, h + 6, 1 + length) != unmask(le32(h))) return false;
  next = at + kHeaderSize + length;
  return true;
}

// Where the first bad record of `bytes` starts (npos: none), and whether any
// good record follows it in the file.
std::pair<size_t, bool> scan(const std::string& bytes) {
  size_t at = 0, bad = std::string::npos;
  bool good_after_bad = false;
  while (at < bytes.size()) {
    if (kBlockSize - at % kBlockSize < kHeaderSize) {  // a block's zero trailer
      at += kBlockSize - at % kBlockSize;
      continue;
    }
    size_t next = 0;
    if (good_record(bytes, at, next)) {
      if (bad != std::string::npos) good_after_bad = true;
      at = next;
      continue;
    }
    // Preallocated space past the last record reads as zeros: not a record.
    const bool zeros = std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                   bytes.begin() + static_cast<std::ptrdiff_t>(std::min(bytes.size(), at + kHeaderSize)),
                                   [](char c) { return c == 0; });
    if (!zeros && bad == std::string::npos) {
      bad = at;
      // A good record later in the same block means the damage is not the
      // tail. Its start is unknown (the bad record's length cannot be
      // trusted), so every position is tried; a false match needs a
      // 32-bit CRC to agree by chance.
      const size_t block_end = std::min(bytes.size(), at - at % kBlockSize + kBlockSize);
      for (size_t from = at + 1; from < block_end && !good_after_bad; ++from) {
        size_t ignored = 0;
        good_after_bad = good_record(bytes, from, ignored);
      }
    }
    // Resynchronise at the next block: records never span blocks (a long
    // one is written as fragments), so every block starts with a header.
    at += kBlockSize - at % kBlockSize;
  }
  return {bad, good_after_bad};
}

}  // namespace

uint32_t crc32c(uint32_t crc, const char* data, size_t n) {
  const auto& t = crc_table();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = t[(crc ^ static_cast<uint8_t>(data[i])) & 0xff] ^ (crc >> 8);
  return ~crc;
}

Result<std::optional<WalDamage>> find_wal_damage(const std::string& db_dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::exists(db_dir)) return std::optional<WalDamage>();  // a new log
  for (const auto& f : fs::directory_iterator(db_dir, ec)) {
    const std::string stem = f.path().stem().string();
    if (f.path().extension() == ".log" && !stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos)
      files.push_back(f.path());
  }
  if (ec) return Status{Errc::io_error, "cannot list " + db_dir + ": " + ec.message()};
  // RocksDB numbers its files: the newest write-ahead log has the largest number.
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoull(a.stem().string()) < std::stoull(b.stem().string());
  });
  std::optional<WalDamage> first_bad;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      if (!fs::exists(file)) continue;  // retired by a running server since the listing
      return Status{Errc::io_error, "cannot read " + file.string()};
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto [bad, good_after] = scan(bytes);
    // Damage already seen in an earlier file, and this one holds records: the middle.
    if (first_bad && bytes.find_first_not_of('\0') != std::string::npos) return first_bad;
    if (bad == std::string::npos) continue;
    const WalDamage here{file.string(), bad};
    if (good_after) return std::optional<WalDamage>(here);
    first_bad = here;  // a tail, unless a later file holds records
  }
  return std::optional<WalDamage>();
}

}  // namespace aftercare
