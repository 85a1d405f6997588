#include "projections/projection.h"

#include <rocksdb/db.h>

#include <cstring>
#include <new>

#include "base/huge_pages.h"

namespace aftercare {

PendingRows::PendingRows(bool large)
    : arena_(large ? std::make_unique<std::pmr::monotonic_buffer_resource>(size_t{2} << 20, huge_page_resource())
                   : std::make_unique<std::pmr::monotonic_buffer_resource>(size_t{64} << 10)),
      slots_(large ? size_t{1} << 19 : size_t{64}, Slot{},
             large ? huge_page_resource() : std::pmr::new_delete_resource()) {}

PendingRows::Slot* PendingRows::probe(std::string_view key, size_t hash) {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (!slot.entry || (slot.hash == hash && slot.entry->key == key)) return &slot;
  }
}

PendingRow* PendingRows::find(std::string_view key) {
  Slot* slot = probe(key, std::hash<std::string_view>{}(key));
  return slot->entry ? &slot->entry->row : nullptr;
}

PendingRow& PendingRows::insert(std::string_view key, bool* inserted) {
  const size_t hash = std::hash<std::string_view>{}(key);
  Slot* slot = probe(key, hash);
  if (inserted) *inserted = slot->entry == nullptr;
  if (slot->entry) return slot->entry->row;
  if (2 * (count_ + 1) > slots_.size()) {
    grow();
    slot = probe(key, hash);
  }
  char* bytes = static_cast<char*>(arena_->allocate(key.size(), 1));
  key.copy(bytes, key.size());
  void* memory = arena_->allocate(sizeof(Entry), alignof(Entry));
  slot->entry = new (memory) Entry{{bytes, key.size()}, {PendingRow::Op::put, std::pmr::string(arena_.get())}};
  slot->hash = hash;
  ++count_;
  return slot->entry->row;
}

void PendingRows::grow() {
  std::pmr::vector<Slot> old(slots_.size() * 2, Slot{}, slots_.get_allocator());
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.entry) continue;
    size_t i = s.hash & mask;
    while (slots_[i].entry) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

std::optional<std::string> ProjectionTxn::get(std::string_view key) {
  const PendingRow* row = pending_.find(key);
  if (row && row->op == PendingRow::Op::put) return std::string(row->value);
  if (row && row->op == PendingRow::Op::del) return std::nullopt;
  std::string value;
  auto s = db_.Get(rocksdb::ReadOptions(), &cf_, rocksdb::Slice(key.data(), key.size()), &value);
  if (!s.ok() && !s.IsNotFound()) {
    if (status_.is_ok()) status_ = Status{Errc::io_error, "reading a read model: " + s.ToString()};
    return std::nullopt;
  }
  if (row)  // a pending add on top of the stored counter
    return encode_counter((s.ok() ? decode_counter(value) : 0) + decode_counter(row->value));
  if (!s.ok()) return std::nullopt;
  return value;
}

PendingRow& ProjectionTxn::slot(std::string_view key, bool* created) {
  bool inserted = false;
  PendingRow& row = pending_.insert(key, &inserted);
  if (created) *created = inserted;
  if (inserted) pending_.bytes += key.size() + 64;
  return row;
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
