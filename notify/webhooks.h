// Webhook delivery (api-field.md §Notifications): every subscribed event is
// POSTed to its receiver as the CloudEvent the log holds (structured JSON,
// byte for byte), signed `X-Aftercare-Signature: sha256=<hex HMAC-SHA256 of
// the body under the webhook's secret>`.
//
//  - At least once: each webhook has a consumer of its own with a durable
//    checkpoint (DATA/webhooks/<id>.checkpoint), saved only after the events
//    before it were answered 2xx. After kill -9 delivery resumes there; an
//    event may then arrive twice, always with the same CloudEvent `id`.
//  - In order per aggregate: an aggregate's events are in one partition and
//    a webhook delivers one event at a time in log order; an event that
//    fails is retried before anything after it is sent.
//  - Retries: backoff min(retry_max, retry_base · 2^(n-1)) times a random
//    factor in [0.5, 1) (jitter, so receivers coming back are not stormed).
//    After failing_after of uninterrupted failure the webhook's state is
//    "failing" (and says since when) until a delivery succeeds again.
//  - A delivery log (RocksDB, DATA/webhooks/log): one row per attempt, the
//    last kept_deliveries per webhook: GET /v1/webhooks/{id}/deliveries.
//    It records what receivers answered — the world, not the log — so it is
//    operational data and not a read model rebuilt by replay.
//
// The WebhookManager follows the webhook aggregates' heads on the write
// side (StateStore::observe) and starts, restarts or stops one deliverer per
// webhook as they change. Delivery never blocks commands or projections.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/sealed.h"
#include "commands/state_store.h"
#include "domain/webhook.h"
#include "eventstore/event_log.h"

namespace rocksdb {
class DB;
}

namespace aftercare {

struct WebhookOptions {
  std::string dir;  // DATA/webhooks
  std::chrono::milliseconds timeout{5000};  // each of connect, write and read
  std::chrono::milliseconds retry_base{1000}, retry_max{300'000};
  std::chrono::milliseconds failing_after{600'000};
  size_t max_batch = 256;  // events between checkpoints
  size_t kept_deliveries = 10'000;
};

// One row per delivery attempt, newest last, per webhook.
class DeliveryLog {
 public:
  static Result<std::unique_ptr<DeliveryLog>> open(const std::string& dir, size_t kept_per_webhook);
  ~DeliveryLog();
  // Appends `row` (a JSON object without "seq") and returns its sequence number.
  Result<uint64_t> append(const std::string& webhook, std::string_view row);
  // Up to `limit` rows before `before` (all when nullopt), newest first;
  // `next` is the cursor for the page after, if any.
  Result<std::vector<std::string>> page(const std::string& webhook, std::optional<uint64_t> before, size_t limit,
                                        std::optional<uint64_t>& next) const;

 private:
  DeliveryLog(std::unique_ptr<rocksdb::DB> db, size_t kept);
  std::unique_ptr<rocksdb::DB> db_;
  size_t kept_;
  std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> last_;  // the newest sequence per webhook
};

// How a webhook's delivery stands.
struct DeliveryProgress {
  std::string state = "healthy";  // healthy | retrying | failing | paused | broken | starting
  uint64_t delivered = 0;         // since the service started
  uint64_t failed_attempts = 0;   // since the service started
  int attempts = 0;               // of the event being retried now
  std::string pending_event;      // its id
  std::string last_error;
  std::optional<Timestamp> last_delivered_at, failing_since, next_attempt_at;
  std::string checkpoint;         // the position delivered up to (X-Position form)
  void recovered();               // healthy again: the failure streak is over
};
std::string progress_json(const DeliveryProgress& p);

class WebhookDeliverer;

class WebhookManager {
 public:
  // Subscribes to `state`'s heads: construct before its catch_up().
  WebhookManager(EventLog& log, StateStore& state, const Sealer& sealer, Clock& clock, WebhookOptions options);
  ~WebhookManager();
  // Opens the delivery log and reads every webhook the state holds (after
  // the state's catch_up(), before its start()), then delivers.
  Status start();
  void stop();

  // The webhook as a client sees it, with its delivery progress (nullopt: none such).
  std::optional<std::string> describe(const std::string& id) const;
  bool has(const std::string& id) const;
  size_t count() const;
  // Every webhook, in id order.
  std::vector<std::string> describe_all() const;
  Result<std::vector<std::string>> deliveries(const std::string& id, std::optional<uint64_t> before, size_t limit,
                                              std::optional<uint64_t>& next) const;

 private:
  struct Webhook {
    uint64_t sequence = 0;      // of the newest head seen: what a client reads
    WebhookState config;
    uint64_t running = 0;       // the head the deliverer was started for
    std::unique_ptr<WebhookDeliverer> deliverer;  // null while paused, broken or restarting
    std::string broken;                           // why it cannot deliver
    std::optional<DeliveryProgress> last;         // the progress of the deliverer it had
  };
  void on_head(AggregateKind kind, std::string_view id, const AggregateHead& head);
  void loop();
  void reconfigure(const std::string& id);
  std::string describe_locked(const std::string& id, const Webhook& w) const;

  EventLog& log_;
  StateStore& state_;
  const Sealer& sealer_;
  Clock& clock_;
  WebhookOptions options_;
  std::unique_ptr<DeliveryLog> deliveries_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::set<std::string> pending_;  // webhooks whose deliverer is not of their newest head
  std::map<std::string, Webhook> webhooks_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace aftercare
