#include "projections/projection.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <cstring>

namespace aftercare {

std::optional<std::string> ProjectionTxn::get(std::string_view key) {
  std::string value;
  auto s = batch_.GetFromBatchAndDB(&db_, rocksdb::ReadOptions(), &cf_,
                                    rocksdb::Slice(key.data(), key.size()), &value);
  if (!s.ok()) return std::nullopt;
  return value;
}

void ProjectionTxn::put(std::string_view key, std::string_view value) {
  batch_.Put(&cf_, rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()))
      .PermitUncheckedError();
}

void ProjectionTxn::del(std::string_view key) {
  batch_.Delete(&cf_, rocksdb::Slice(key.data(), key.size())).PermitUncheckedError();
}

int64_t decode_counter(std::string_view bytes) {
  if (bytes.size() != 8) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(v);
}

void ProjectionTxn::add(std::string_view key, int64_t delta) {
  const auto current = get(key);
  const uint64_t v = static_cast<uint64_t>(decode_counter(current.value_or("")) + delta);
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  put(key, std::string_view(buf, 8));
}

}  // namespace aftercare
