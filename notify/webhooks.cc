#include "notify/webhooks.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "base/ids.h"
#include "base/log.h"
#include "base/metrics.h"
#include "domain/json.h"
#include "eventstore/rocksdb_setup.h"
#include "eventstore/topics.h"
#include "notify/http_post.h"

namespace aftercare {
namespace {

struct WebhookMetrics {
  Counter& delivered = metrics().counter("aftercare_webhook_deliveries_total", "Events delivered to webhook receivers (2xx)");
  Counter& failed = metrics().counter("aftercare_webhook_failed_attempts_total", "Webhook delivery attempts that failed");
};

WebhookMetrics& webhook_metrics() {
  static WebhookMetrics* m = new WebhookMetrics();
  return *m;
}

// Row keys: "<webhook id>\0<sequence, 8 bytes big-endian>" (ids hold no NUL).
std::string row_key(std::string_view webhook, uint64_t seq) {
  std::string k(webhook);
  k.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((seq >> shift) & 0xff));
  return k;
}

uint64_t seq_of(std::string_view key) {
  uint64_t seq = 0;
  for (unsigned char c : key.substr(key.size() - 8)) seq = (seq << 8) | c;
  return seq;
}

}  // namespace

// --- DeliveryLog ------------------------------------------------------------

DeliveryLog::DeliveryLog(std::unique_ptr<rocksdb::DB> db, size_t kept) : db_(std::move(db)), kept_(kept) {}
DeliveryLog::~DeliveryLog() = default;

Result<std::unique_ptr<DeliveryLog>> DeliveryLog::open(const std::string& dir, size_t kept_per_webhook) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);  // RocksDB reports a missing one as an error before it makes it
  if (ec) return Status{Errc::io_error, "cannot create " + dir + ": " + ec.message()};
  rocksdb::Options options;
  options.create_if_missing = true;
  use_service_error_handling(options, "webhooks");
  rocksdb::DB* db = nullptr;
  if (auto s = rocksdb::DB::Open(options, dir, &db); !s.ok()) return from_rocks(s, "cannot open " + dir);
  return std::unique_ptr<DeliveryLog>(new DeliveryLog(std::unique_ptr<rocksdb::DB>(db), kept_per_webhook));
}

Result<uint64_t> DeliveryLog::append(const std::string& webhook, std::string_view row) {
  std::lock_guard lock(mu_);
  auto it = last_.find(webhook);
  if (it == last_.end()) {
    // The newest row of this webhook: seek past its last possible key and step back.
    std::unique_ptr<rocksdb::Iterator> i(db_->NewIterator(rocksdb::ReadOptions()));
    const std::string prefix = webhook + std::string(1, '\0');
    i->SeekForPrev(row_key(webhook, UINT64_MAX));
    const uint64_t newest = i->Valid() && i->key().starts_with(prefix) ? seq_of(i->key().ToStringView()) : 0;
    it = last_.emplace(webhook, newest).first;
  }
  const uint64_t seq = ++it->second;
  std::string value = "{\"seq\":" + std::to_string(seq) + ",";
  value.append(row.substr(1));
  rocksdb::WriteBatch batch;
  batch.Put(row_key(webhook, seq), value);
  // Older rows go in whole chunks, so that deleting is rare.
  if (seq > kept_ && seq % 1000 == 0) batch.DeleteRange(row_key(webhook, 0), row_key(webhook, seq - kept_));
  // Not synced: the checkpoint, not this log, is what delivery resumes from.
  if (auto s = db_->Write(rocksdb::WriteOptions(), &batch); !s.ok()) return from_rocks(s, "delivery log");
  return seq;
}

Result<std::vector<std::string>> DeliveryLog::page(const std::string& webhook, std::optional<uint64_t> before,
                                                   size_t limit, std::optional<uint64_t>& next) const {
  std::vector<std::string> out;
  next.reset();
  std::unique_ptr<rocksdb::Iterator> i(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix = webhook + std::string(1, '\0');
  const uint64_t first = before ? (*before == 0 ? 0 : *before - 1) : UINT64_MAX;
  if (before && *before == 0) return out;
  uint64_t last_seq = 0;
  for (i->SeekForPrev(row_key(webhook, first)); i->Valid() && i->key().starts_with(prefix); i->Prev()) {
    if (out.size() == limit) {
      next = last_seq;  // the next page: the rows before the last one on this page
      break;
    }
    last_seq = seq_of(i->key().ToStringView());
    out.push_back(i->value().ToString());
  }
  if (!i->status().ok()) return from_rocks(i->status(), "delivery log");
  return out;
}

void DeliveryProgress::recovered() {
  state = "healthy";
  attempts = 0;
  pending_event.clear();
  last_error.clear();
  failing_since.reset();
  next_attempt_at.reset();
}

std::string progress_json(const DeliveryProgress& p) {
  JsonWriter w;
  w.begin_object().field("state", p.state).key("delivered").uinteger(p.delivered);
  w.key("failed_attempts").uinteger(p.failed_attempts).field_int("attempts", p.attempts);
  auto text_or_null = [&w](std::string_view k, const std::string& v) {
    w.key(k);
    if (v.empty()) w.null();
    else w.string(v);
  };
  auto time_or_null = [&w](std::string_view k, const std::optional<Timestamp>& t) {
    w.key(k);
    if (t) w.string(format_rfc3339(*t));
    else w.null();
  };
  text_or_null("pending_event", p.pending_event);
  text_or_null("last_error", p.last_error);
  time_or_null("last_delivered_at", p.last_delivered_at);
  time_or_null("failing_since", p.failing_since);
  time_or_null("next_attempt_at", p.next_attempt_at);
  w.field("checkpoint", p.checkpoint);
  return w.end_object().take();
}

// --- WebhookDeliverer -------------------------------------------------------

class WebhookDeliverer {
 public:
  WebhookDeliverer(EventLog& log, DeliveryLog& deliveries, Clock& clock, const WebhookOptions& options, std::string id,
                   const WebhookState& config, WebhookUrl url, std::string secret, DeliveryProgress carried)
      : log_(log), deliveries_(deliveries), clock_(clock), options_(options), id_(std::move(id)),
        config_(config), poster_(std::move(url), options.timeout), secret_(std::move(secret)),
        progress_(std::move(carried)), random_(std::random_device{}()) {
    types_.insert(config.event_types.begin(), config.event_types.end());
    progress_.recovered();
  }
  ~WebhookDeliverer() { stop(); }

  Status start();
  // Asks the thread to stop after the attempt in flight (at most the timeout).
  void request_stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
  }
  void stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
  }
  DeliveryProgress progress() const {
    std::lock_guard lock(mu_);
    DeliveryProgress p = progress_;
    p.checkpoint = done_.to_token();
    return p;
  }

 private:
  std::string checkpoint_path() const { return options_.dir + "/" + id_ + ".checkpoint"; }
  void loop();
  // Sends one event until a receiver takes it; false when stopped first.
  bool deliver(const Record& r, std::string_view event_id, std::string_view type, std::string_view subject);
  void note_attempt(const Record& r, std::string_view event_id, std::string_view type, std::string_view subject,
                    int attempt, const PostResult& result, Timestamp at);
  std::chrono::milliseconds backoff(int attempt);
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stop_;
  }

  EventLog& log_;
  DeliveryLog& deliveries_;
  Clock& clock_;
  const WebhookOptions& options_;
  const std::string id_;
  const WebhookState config_;
  HttpPoster poster_;
  const std::string secret_;
  std::set<std::string, std::less<>> types_;
  std::unique_ptr<LogReader> reader_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  DeliveryProgress progress_;
  Position done_;  // delivered (or not subscribed) up to here
  std::mt19937_64 random_;
  std::thread thread_;
};

Status WebhookDeliverer::start() {
  auto checkpoint = read_position_file(checkpoint_path());
  if (!checkpoint) return checkpoint.status();
  const Position& saved = *checkpoint;
  // Each subscribed partition from the checkpoint, or else from where the
  // subscription's events say delivery of its topic starts.
  Position from;
  reader_ = log_.open_reader();
  for (const auto& [name, offsets] : config_.from) {
    auto topic = topic_from_name(name);
    if (!topic) return {Errc::corruption, "webhook " + id_ + " names an unknown topic " + name};
    for (int32_t p = 0; p < log_.partition_count(); ++p) {
      const TopicPartition tp{*topic, p};
      auto at = saved.entries().find(tp);
      const int64_t start = at != saved.entries().end()                ? at->second
                            : static_cast<size_t>(p) < offsets.size() ? offsets[p]
                                                                       : 0;
      from.advance(tp, start);
      reader_->assign(tp, start);
    }
  }
  // Saved at once, whole: a topic's start must not move once delivery began.
  if (Status s = write_position_file(checkpoint_path(), from); !s) return s;
  {
    std::lock_guard lock(mu_);
    done_ = from;
  }
  thread_ = std::thread([this] { loop(); });
  return Status::ok();
}

void WebhookDeliverer::loop() {
  std::vector<Record> records;
  simdjson::dom::parser parser;
  while (!stopped()) {
    records.clear();
    if (Status s = reader_->poll(options_.max_batch, std::chrono::milliseconds(100), records); !s) {
      log_warn("webhook.poll", {{"webhook", id_}, {"error", s.to_string()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (records.empty()) continue;
    Position done;
    {
      std::lock_guard lock(mu_);
      done = done_;
    }
    bool interrupted = false;
    for (const Record& r : records) {
      if (stopped()) {
        interrupted = true;
        break;
      }
      // The log holds only envelopes that decoded when appended; the fields
      // delivery needs are read straight from the bytes it sends.
      simdjson::dom::element env;
      std::string_view type, id, subject;
      if (parser.parse(r.value).get(env) || env["type"].get_string().get(type) || env["id"].get_string().get(id) ||
          env["subject"].get_string().get(subject)) {
        log_error("webhook.undecodable_record", {{"webhook", id_}, {"record", std::string(topic_name(r.topic)) + "/" +
                                                  std::to_string(r.partition) + "@" + std::to_string(r.offset)}});
      } else if (types_.contains(type) && !deliver(r, id, type, subject)) {
        interrupted = true;
        break;
      }
      done.include(RecordId{r.topic, r.partition, r.offset});
      std::lock_guard lock(mu_);
      done_ = done;
    }
    // After the batch's receivers answered: a crash before this line sends
    // them again, with the same ids.
    if (Status s = write_position_file(checkpoint_path(), done); !s)
      log_warn("webhook.checkpoint", {{"webhook", id_}, {"error", s.to_string()}});
    if (interrupted) break;
  }
}

std::chrono::milliseconds WebhookDeliverer::backoff(int attempt) {
  const int doublings = std::min(attempt - 1, 30);
  const int64_t full = std::min<int64_t>(options_.retry_max.count(), options_.retry_base.count() << doublings);
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(full) * jitter(random_))));
}

bool WebhookDeliverer::deliver(const Record& r, std::string_view event_id, std::string_view type,
                               std::string_view subject) {
  const std::vector<std::pair<std::string, std::string>> fixed = {
      {"Content-Type", "application/cloudevents+json; charset=utf-8"},
      {"X-Aftercare-Signature", "sha256=" + to_hex(hmac_sha256(secret_, r.value))},
      {"X-Aftercare-Webhook", id_},
  };
  for (int attempt = 1;; ++attempt) {
    auto headers = fixed;
    headers.emplace_back("X-Aftercare-Attempt", std::to_string(attempt));
    const PostResult result = poster_.post(r.value, headers);
    const Timestamp now = clock_.now();
    note_attempt(r, event_id, type, subject, attempt, result, now);
    if (result.ok()) {
      webhook_metrics().delivered.inc();
      std::lock_guard lock(mu_);
      ++progress_.delivered;
      progress_.last_delivered_at = now;
      progress_.recovered();
      return true;
    }
    webhook_metrics().failed.inc();
    const std::chrono::milliseconds delay = backoff(attempt);
    std::unique_lock lock(mu_);
    ++progress_.failed_attempts;
    progress_.attempts = attempt;
    progress_.pending_event = std::string(event_id);
    progress_.last_error = result.status ? "HTTP " + std::to_string(result.status) : result.error;
    if (!progress_.failing_since) progress_.failing_since = now;
    const bool failing = now.ms - progress_.failing_since->ms >= options_.failing_after.count();
    if (failing && progress_.state != "failing")
      log_warn("webhook.failing", {{"webhook", id_}, {"since", format_rfc3339(*progress_.failing_since)},
                                   {"error", progress_.last_error}});
    progress_.state = failing ? "failing" : "retrying";
    progress_.next_attempt_at = Timestamp{now.ms + delay.count()};
    if (wake_.wait_for(lock, delay, [this] { return stop_; })) return false;
  }
}

void WebhookDeliverer::note_attempt(const Record& r, std::string_view event_id, std::string_view type,
                                    std::string_view subject, int attempt, const PostResult& result, Timestamp at) {
  JsonWriter w;
  w.begin_object().field("event_id", event_id).field("type", type).field("subject", subject);
  w.field("record", std::string(topic_name(r.topic)) + "/" + std::to_string(r.partition) + "@" + std::to_string(r.offset));
  w.field_int("attempt", attempt).field("outcome", result.ok() ? "delivered" : "failed").key("http_status");
  if (result.status) w.integer(result.status);
  else w.null();
  w.key("error");
  if (result.error.empty()) w.null();
  else w.string(result.error);
  w.field_int("latency_us", result.latency.count()).field("at", format_rfc3339(at)).end_object();
  if (auto seq = deliveries_.append(id_, w.str()); !seq)
    log_warn("webhook.delivery_log", {{"webhook", id_}, {"error", seq.status().to_string()}});
}

// --- WebhookManager ---------------------------------------------------------

WebhookManager::WebhookManager(EventLog& log, StateStore& state, const Sealer& sealer, Clock& clock,
                               WebhookOptions options)
    : log_(log), state_(state), sealer_(sealer), clock_(clock), options_(std::move(options)) {
  webhook_metrics();
  state_.observe([this](AggregateKind kind, std::string_view id, const AggregateHead& head) { on_head(kind, id, head); });
}

WebhookManager::~WebhookManager() { stop(); }

void WebhookManager::on_head(AggregateKind kind, std::string_view id, const AggregateHead& head) {
  if (kind != webhook_kind() || !head.state) return;
  {
    std::lock_guard lock(mu_);
    Webhook& w = webhooks_[std::string(id)];
    if (head.sequence <= w.sequence) return;
    w.sequence = head.sequence;
    w.config = webhook_state(head.state.get());
    pending_.insert(std::string(id));
  }
  changed_.notify_all();
}

Status WebhookManager::start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return {Errc::io_error, "cannot create " + options_.dir + ": " + ec.message()};
  auto deliveries = DeliveryLog::open(options_.dir + "/log", options_.kept_deliveries);
  if (!deliveries) return deliveries.status();
  deliveries_ = std::move(deliveries).value();
  Status s = state_.visit_heads(webhook_kind(), [this](std::string_view id, const AggregateHead& head) {
    on_head(webhook_kind(), id, head);
  });
  if (!s) return s;
  thread_ = std::thread([this] { loop(); });
  return Status::ok();
}

void WebhookManager::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::unique_ptr<WebhookDeliverer>> running;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, w] : webhooks_)
      if (w.deliverer) running.push_back(std::move(w.deliverer));
  }
  for (auto& d : running) d->request_stop();  // all at once: each may be waiting out a receiver's timeout
  for (auto& d : running) d->stop();          // each saves its checkpoint
}

void WebhookManager::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    changed_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    if (stop_) break;
    const std::set<std::string> changed = std::move(pending_);
    pending_.clear();
    lock.unlock();
    for (const std::string& id : changed) reconfigure(id);
    lock.lock();
  }
}

void WebhookManager::reconfigure(const std::string& id) {
  std::unique_ptr<WebhookDeliverer> old;
  DeliveryProgress carried;
  uint64_t sequence;
  WebhookState config;
  {
    std::lock_guard lock(mu_);
    Webhook& w = webhooks_[id];
    if (w.running == w.sequence) return;
    sequence = w.sequence;
    config = w.config;
    if (w.deliverer) w.last = w.deliverer->progress();
    old = std::move(w.deliverer);
    if (w.last) carried = *w.last;
  }
  if (old) {
    old->stop();  // its checkpoint is saved: the next deliverer goes on from there
    carried = old->progress();
  }
  std::unique_ptr<WebhookDeliverer> next;
  std::string broken;
  if (config.active) {
    auto url = parse_webhook_url(config.url);
    auto secret = sealer_.unseal(config.secret, id);
    if (!url) broken = url.status().message();
    else if (!secret)
      broken = "its secret cannot be unsealed with this data directory's key (secrets.key): PUT the webhook with its secret again";
    else {
      next = std::make_unique<WebhookDeliverer>(log_, *deliveries_, clock_, options_, id, config, std::move(url).value(),
                                                std::move(secret).value(), carried);
      if (Status s = next->start(); !s) {
        broken = s.message();
        next.reset();
      }
    }
    if (!broken.empty()) log_error("webhook.broken", {{"webhook", id}, {"error", broken}});
  }
  std::lock_guard lock(mu_);
  Webhook& w = webhooks_[id];
  w.running = sequence;
  if (w.sequence != sequence) pending_.insert(id);  // changed again meanwhile
  w.deliverer = std::move(next);
  w.broken = std::move(broken);
  w.last = carried;
}

std::string WebhookManager::describe_locked(const std::string& id, const Webhook& w) const {
  DeliveryProgress p = w.deliverer ? w.deliverer->progress() : w.last.value_or(DeliveryProgress{});
  if (!w.deliverer) {
    const bool starting = w.running != w.sequence;
    p.state = starting ? "starting" : !w.broken.empty() ? "broken" : !w.config.active ? "paused" : "broken";
    p.last_error = w.broken.empty() ? p.last_error : w.broken;
    p.next_attempt_at.reset();
  }
  std::string out = webhook_public_json(id, w.config);
  out.pop_back();
  return out + ",\"version\":" + std::to_string(w.sequence) + ",\"delivery\":" + progress_json(p) + "}";
}

std::optional<std::string> WebhookManager::describe(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = webhooks_.find(id);
  if (it == webhooks_.end() || !it->second.sequence) return std::nullopt;
  return describe_locked(id, it->second);
}

bool WebhookManager::has(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = webhooks_.find(id);
  return it != webhooks_.end() && it->second.sequence;
}

size_t WebhookManager::count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, w] : webhooks_) n += w.sequence ? 1 : 0;
  return n;
}

std::vector<std::string> WebhookManager::describe_all() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, w] : webhooks_)
    if (w.sequence) out.push_back(describe_locked(id, w));
  return out;
}

Result<std::vector<std::string>> WebhookManager::deliveries(const std::string& id, std::optional<uint64_t> before,
                                                            size_t limit, std::optional<uint64_t>& next) const {
  if (!deliveries_) return Status{Errc::unavailable, "webhook delivery is starting"};
  return deliveries_->page(id, before, limit, next);
}

}  // namespace aftercare
