#include "projections/projection.h"

#include <rocksdb/db.h>

#include <cstring>

#include "base/huge_pages.h"

namespace aftercare {

std::optional<std::string> ProjectionTxn::get(std::string_view key) {
  auto it = pending_.rows.find(key);
  if (it != pending_.rows.end() && it->second.op == PendingRow::Op::put) return std::string(it->second.value);
  if (it != pending_.rows.end() && it->second.op == PendingRow::Op::del) return std::nullopt;
  std::string value;
  auto s = db_.Get(rocksdb::ReadOptions(), &cf_, rocksdb::Slice(key.data(), key.size()), &value);
  if (!s.ok() && !s.IsNotFound()) {
    if (status_.is_ok()) status_ = Status{Errc::io_error, "reading a read model: " + s.ToString()};
    return std::nullopt;
  }
  if (it != pending_.rows.end())  // a pending add on top of the stored counter
    return encode_counter((s.ok() ? decode_counter(value) : 0) + decode_counter(it->second.value));
  if (!s.ok()) return std::nullopt;
  return value;
}

PendingRows::PendingRows(bool large)
    : arena_(large ? std::make_unique<std::pmr::monotonic_buffer_resource>(size_t{2} << 20, huge_page_resource())
                   : std::make_unique<std::pmr::monotonic_buffer_resource>(size_t{64} << 10)),
      rows(arena_.get()) {}

PendingRow& ProjectionTxn::slot(std::string_view key, bool* created) {
  // One lookup: the key is copied into the arena before it is looked up,
  // and left there unused when the row existed (a rebuild mostly writes
  // rows it has not written before).
  auto [it, inserted] = pending_.rows.try_emplace(std::pmr::string(key, pending_.rows.get_allocator()));
  if (created) *created = inserted;
  pending_.bytes += key.size() + (inserted ? 64 : 0);
  return it->second;
}

void ProjectionTxn::put(std::string_view key, std::string_view value) {
  PendingRow& row = slot(key);
  row.op = PendingRow::Op::put;
  row.value.assign(value);
  pending_.bytes += value.size();
}

void ProjectionTxn::del(std::string_view key) {
  PendingRow& row = slot(key);
  row.op = PendingRow::Op::del;
  row.value.clear();
}

void ProjectionTxn::add(std::string_view key, int64_t delta) {
  bool fresh = false;
  PendingRow& row = slot(key, &fresh);
  if (fresh || row.op == PendingRow::Op::del) {
    // A deleted counter restarts from 0: the delta becomes its value.
    row.op = fresh ? PendingRow::Op::add : PendingRow::Op::put;
    row.value = encode_counter(delta);
    pending_.bytes += row.value.size();
  } else {
    row.value = encode_counter(decode_counter(row.value) + delta);  // same size: reuses its bytes
  }
}

int64_t decode_counter(std::string_view bytes) {
  if (bytes.size() != 8) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(v);
}

std::string encode_counter(int64_t value) {
  const auto v = static_cast<uint64_t>(value);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

}  // namespace aftercare
