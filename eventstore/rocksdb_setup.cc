#include "eventstore/rocksdb_setup.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/status.h>

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

Status from_rocks(const rocksdb::Status& s, std::string_view what) {
  return {Errc::io_error, std::string(what) + ": " + s.ToString()};
}

void use_service_error_handling(rocksdb::DBOptions& options, std::string db) {
  options.info_log = std::make_shared<ServiceLogger>(std::move(db));
  options.listeners.push_back(std::make_shared<ManualRecovery>());
}

namespace {

namespace fs = std::filesystem;

// Files whose content RocksDB only ever adds whole (tables) or appends to
// (write-ahead logs): a hard link pins them. Everything else but the lock
// and info logs is small and copied as it is now.
bool linked(const std::string& name) {
  for (const char* ext : {".sst", ".ldb", ".blob", ".log"})
    if (name.ends_with(ext) && name != "LOG") return true;
  return false;
}

void remove_abandoned_images(const fs::path& dir) {
  const std::string prefix = dir.filename().string() + ".snapshot-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const pid_t pid = static_cast<pid_t>(std::atoll(name.c_str() + prefix.size()));
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

// Makes `image` an image of `dir`; false when links cannot be made here.
Result<bool> make_image(const fs::path& dir, const fs::path& image) {
  std::error_code ec;
  if (!fs::create_directory(image, ec)) return false;  // no write permission beside the store
  // CURRENT and the MANIFEST it names first: the files they name are then
  // still there when they are linked, unless deleted in the moments between.
  std::string current;
  {
    std::ifstream in(dir / "CURRENT");
    if (!in) return Status{Errc::not_found, "no store in " + dir.string()};
    std::getline(in, current);
  }
  fs::copy_file(dir / current, image / current, ec);
  if (ec) return Status{Errc::io_error, "copying " + (dir / current).string() + ": " + ec.message()};
  std::ofstream(image / "CURRENT") << current << '\n';
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "CURRENT" || name == current || name == "LOCK" || name.starts_with("LOG")) continue;
    std::error_code one;
    if (linked(name)) {
      fs::create_hard_link(entry.path(), image / name, one);
      if (one == std::errc::cross_device_link || one == std::errc::operation_not_permitted) return false;
    } else {
      fs::copy_file(entry.path(), image / name, one);
    }
    // A file deleted since the listing was not needed, or the open says so and is retried.
  }
  if (ec) return Status{Errc::io_error, "listing " + dir.string() + ": " + ec.message()};
  return true;
}

}  // namespace

StoreSnapshot::~StoreSnapshot() {
  std::error_code ec;
  if (!image_.empty()) fs::remove_all(image_, ec);
}

Result<std::unique_ptr<StoreSnapshot>> StoreSnapshot::open(
    const std::string& dir, const std::function<Status(const std::string& image_dir)>& open) {
  static std::atomic<int> counter{0};
  if (!fs::exists(dir)) return Status{Errc::not_found, "no store in " + dir};
  const fs::path path = fs::path(dir).lexically_normal();
  const fs::path base = path.has_filename() ? path : path.parent_path();
  remove_abandoned_images(base);
  constexpr int kAttempts = 10;
  Status s;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    std::unique_ptr<StoreSnapshot> snapshot(new StoreSnapshot());
    const fs::path image = base.string() + ".snapshot-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    auto made = make_image(base, image);
    if (!made) {
      std::error_code ec;
      fs::remove_all(image, ec);
      if (made.status().code() == Errc::not_found) return made.status();
      s = made.status();
    } else {
      if (*made) {
        snapshot->image_ = image.string();
      } else {
        std::error_code ec;
        fs::remove_all(image, ec);
      }
      s = open(*made ? image.string() : dir);
      if (s) return snapshot;
      if (s.code() == Errc::not_found) return s;
    }
    if (attempt < kAttempts) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status{s.code(), s.message() + " (the same after " + std::to_string(kAttempts) + " attempts)"};
}

}  // namespace aftercare
