#include "commands/process_manager.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "base/ids.h"
#include "base/log.h"

namespace aftercare {

std::string follow_up_command_id(std::string_view pm, std::string_view event_id, size_t index) {
  // A name-based UUID, like every command id: fixed length, safe in any key.
  return uuid_from_name("process-manager|" + std::string(pm) + "|" + std::string(event_id) + "|" +
                        std::to_string(index));
}

ProcessManagerRunner::ProcessManagerRunner(EventLog& log, CommandBus& bus, ProcessManager& pm,
                                           const Upcasters& upcasters, ProcessManagerOptions options)
    : log_(log), bus_(bus), pm_(pm), upcasters_(upcasters), options_(std::move(options)) {}

std::string ProcessManagerRunner::checkpoint_path() const {
  return options_.checkpoint_dir + "/" + std::string(pm_.name()) + ".checkpoint";
}

Status ProcessManagerRunner::start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.checkpoint_dir, ec);
  if (ec) return {Errc::io_error, "cannot create " + options_.checkpoint_dir + ": " + ec.message()};
  auto saved = read_position_file(checkpoint_path());
  if (!saved) return saved.status();
  const Position from = *saved;
  reader_ = log_.open_reader();
  for (Topic t : pm_.topics()) {
    for (int32_t p = 0; p < log_.partition_count(); ++p) {
      const TopicPartition tp{t, p};
      auto at = from.entries().find(tp);
      reader_->assign(tp, at == from.entries().end() ? 0 : at->second);
    }
  }
  {
    std::lock_guard lock(mu_);
    checkpoint_ = from;
  }
  thread_ = std::thread([this] { loop(); });
  return Status::ok();
}

void ProcessManagerRunner::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Status ProcessManagerRunner::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

Position ProcessManagerRunner::checkpoint() const {
  std::lock_guard lock(mu_);
  return checkpoint_;
}

bool ProcessManagerRunner::settle(const Envelope& trigger, size_t index, FollowUp f) {
  CommandContext ctx;
  ctx.actor = "system:" + std::string(pm_.name());
  ctx.command_id = follow_up_command_id(pm_.name(), trigger.id, index);
  ctx.derived_id = true;
  ctx.correlation_id = trigger.correlation_id;  // the follow-up belongs to the trigger's interaction
  ctx.fingerprint = "process-manager";
  for (int attempt = 0; !stop_; ++attempt) {
    std::promise<CommandOutcome> answered;
    bus_.execute(f.kind, f.id, ctx, f.decide, [&answered](CommandOutcome o) { answered.set_value(std::move(o)); });
    CommandOutcome o = answered.get_future().get();
    // Unavailable (catching up, log down, outcome unknown): the same command
    // id again later settles it either way.
    if (o.status.code() == Errc::unavailable || o.status.code() == Errc::io_error) {
      if (attempt % 20 == 0)
        log_warn("process_manager.retry", {{"process_manager", std::string(pm_.name())},
                                           {"command_id", ctx.command_id}, {"error", o.status.to_string()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50 * (attempt + 1), 1000)));
      continue;
    }
    if (options_.on_follow_up) options_.on_follow_up(trigger, o);
    return true;
  }
  return false;
}

void ProcessManagerRunner::loop() {
  std::vector<Record> records;
  simdjson::dom::parser parser;
  bool idle_reported = false;
  while (!stop_) {
    records.clear();
    if (Status s = reader_->poll(options_.max_batch, std::chrono::milliseconds(100), records); !s) {
      log_warn("process_manager.poll", {{"process_manager", std::string(pm_.name())}, {"error", s.to_string()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (records.empty()) {
      if (!idle_reported && options_.on_idle && at_log_end()) {
        options_.on_idle();
        idle_reported = true;
      }
      continue;
    }
    idle_reported = false;
    Position done = checkpoint();
    for (const Record& r : records) {
      auto env = decode(r.value, parser);
      Status st = env ? upcasters_.upcast(*env) : env.status();
      if (!st) {
        std::lock_guard lock(mu_);
        health_ = {Errc::corruption, "process manager " + std::string(pm_.name()) + " stopped at " +
                                         std::string(topic_name(r.topic)) + "/" + std::to_string(r.partition) +
                                         "/" + std::to_string(r.offset) + ": " + st.message()};
        log_error("process_manager.stopped", {{"error", health_.to_string()}});
        return;
      }
      std::vector<FollowUp> follow_ups = pm_.react(*env);
      for (size_t i = 0; i < follow_ups.size(); ++i)
        if (!settle(*env, i, std::move(follow_ups[i]))) return;  // stopped: the checkpoint stays before it
      done.include(RecordId{r.topic, r.partition, r.offset});
    }
    // After the batch's follow-ups are settled: a crash before this line
    // issues them again, and the bus answers them as the first time.
    if (Status s = save_checkpoint(done); !s)
      log_warn("process_manager.checkpoint", {{"process_manager", std::string(pm_.name())}, {"error", s.to_string()}});
    std::lock_guard lock(mu_);
    checkpoint_ = std::move(done);
  }
}

bool ProcessManagerRunner::at_log_end() const {
  const Position at = checkpoint();
  for (Topic t : pm_.topics()) {
    for (int32_t p = 0; p < log_.partition_count(); ++p) {
      const TopicPartition tp{t, p};
      auto end = log_.end_offset_now(tp);
      if (!end) return false;
      auto it = at.entries().find(tp);
      if ((it == at.entries().end() ? 0 : it->second) < *end) return false;
    }
  }
  return true;
}

Status ProcessManagerRunner::save_checkpoint(const Position& p) {
  return write_position_file(checkpoint_path(), p);
}

}  // namespace aftercare
