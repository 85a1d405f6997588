#include "eventstore/rocksdb_setup.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <thread>

#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>

#include "base/log.h"

namespace aftercare {
namespace {

class ServiceLogger final : public rocksdb::Logger {
 public:
  explicit ServiceLogger(std::string db) : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), db_(std::move(db)) {}

  // Messages logged without a level; RocksDB treats them as info.
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }

  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buffer[1024];
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(buffer, sizeof buffer, format, copy);
    va_end(copy);
    if (n < 0) return;
    std::string_view text(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof buffer - 1));
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    const LogLevel ours = level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? LogLevel::error : LogLevel::warn;
    log_write(ours, "rocksdb", {{"db", db_}, {"message", text}});
  }

 private:
  std::string db_;
};

// Leaves recovery to the service's own Resume() calls (see the header).
class ManualRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    *auto_recovery = false;
  }
};

}  // namespace

void use_service_error_handling(rocksdb::DBOptions& options, std::string db) {
  options.info_log = std::make_shared<ServiceLogger>(std::move(db));
  options.listeners.push_back(std::make_shared<ManualRecovery>());
}

Status open_snapshot_retrying(const std::function<Status()>& open) {
  constexpr int kAttempts = 5;
  Status s;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    s = open();
    if (s || s.code() == Errc::not_found) return s;
    if (attempt < kAttempts) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status{s.code(), s.message() + " (the same after " + std::to_string(kAttempts) + " attempts)"};
}

}  // namespace aftercare
