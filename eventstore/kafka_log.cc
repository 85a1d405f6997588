#include "eventstore/kafka_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "base/log.h"
#include "base/metrics.h"
#include "eventstore/log_metrics.h"

namespace aftercare {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kEndsFreshFor = milliseconds(250);    // end_offset() answers from the cache this long
constexpr auto kEndsRetryAfter = milliseconds(1000);  // after a failed refresh, fail fast this long
constexpr auto kQueryTimeout = milliseconds(2000);    // one watermark query
constexpr auto kReadTimeout = milliseconds(5000);     // one read()
constexpr char kContentType[] = "application/cloudevents+json; charset=UTF-8";

int ms(milliseconds d) { return static_cast<int>(std::max<int64_t>(0, d.count())); }

Status unavailable(std::string what) { return {Errc::unavailable, std::move(what)}; }

void log_trampoline(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  const LogLevel l = level <= 3 ? LogLevel::error : level <= 4 ? LogLevel::warn : LogLevel::info;
  log_write(l, "kafka.log", {{"facility", fac}, {"message", buf}});
}

Result<rd_kafka_conf_t*> make_conf(const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status{Errc::invalid_argument, "Kafka property " + k + ": " + err};
    }
  }
  rd_kafka_conf_set_log_cb(conf, log_trampoline);
  return conf;
}

// One append: its records complete one by one, on the producer's poll thread.
struct AppendBatch {
  AppendBatch(size_t n, EventLog::AppendDone d) : ids(n), remaining(n), done(std::move(d)) {}

  void finish_one(size_t index, const Status& s, const RecordId& id) {
    EventLog::AppendDone call;
    {
      std::lock_guard lock(mu);
      if (!s && error.is_ok()) error = s;
      if (s) ids[index] = id;
      if (--remaining > 0) return;
      call = std::move(done);
    }
    LogMetrics& m = log_metrics();
    if (error.is_ok()) {
      m.appends.inc();
      m.records.inc(ids.size());
      m.latency.observe_us(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()));
      call(std::move(ids));
    } else {
      m.failures.inc();
      call(error);
    }
  }

  std::mutex mu;
  std::vector<RecordId> ids;
  size_t remaining;
  Status error;
  EventLog::AppendDone done;
  Clock::time_point started = Clock::now();
};

struct Slot {
  std::shared_ptr<AppendBatch> batch;
  size_t index;
};

}  // namespace

struct KafkaLog::Producer {
  KafkaLog* log = nullptr;
  rd_kafka_t* rk = nullptr;
  std::vector<rd_kafka_topic_t*> topics;  // indexed by Topic
  std::atomic<bool> fatal{false};

  ~Producer() {
    if (rk) drain_and_destroy(milliseconds(0));
  }

  // Fails every record still queued or in flight (their appends complete
  // with an error), then destroys the handle.
  void drain_and_destroy(milliseconds wait) {
    rd_kafka_flush(rk, ms(wait));
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    const auto deadline = Clock::now() + milliseconds(2000);
    while (rd_kafka_outq_len(rk) > 0 && Clock::now() < deadline) rd_kafka_poll(rk, 50);
    for (auto* t : topics) rd_kafka_topic_destroy(t);
    topics.clear();
    rd_kafka_destroy(rk);
    rk = nullptr;
  }
};

struct KafkaLog::Consumer {
  rd_kafka_t* rk = nullptr;
  ~Consumer() {
    if (!rk) return;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};

namespace {

void delivery_trampoline(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* p = static_cast<KafkaLog::Producer*>(opaque);
  const auto topic = topic_from_name(rd_kafka_topic_name(m->rkt));
  RecordId id{topic.value_or(Topic::requests), m->partition, m->offset};
  int err = m->err;
  if (!err && (!topic || m->offset < 0)) err = RD_KAFKA_RESP_ERR__BAD_MSG;
  const bool maybe_written = err && rd_kafka_message_status(m) != RD_KAFKA_MSG_STATUS_NOT_PERSISTED;
  p->log->on_delivery(*p, err, maybe_written, id, m->_private);
}

void error_trampoline(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* p = static_cast<KafkaLog::Producer*>(opaque);
  p->log->on_error(*p, err, reason);
}

Result<rd_kafka_t*> make_consumer_handle(const KafkaLogOptions& options) {
  auto props = kafka_client_properties(options);
  // librdkafka's assign() wants a group id; aftercare never joins the group
  // nor commits to it (its checkpoints live in RocksDB).
  props["group.id"] = options.client_id + ".readers";
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  props["enable.partition.eof"] = "false";
  props["auto.offset.reset"] = "error";  // a missing offset is lost data, never "start over"
  props["fetch.wait.max.ms"] = "20";     // read-your-writes waits on the consumers
  props["fetch.error.backoff.ms"] = "20";
  auto conf = make_conf(props);
  if (!conf) return conf.status();
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(*conf);
    return unavailable(std::string("cannot create a Kafka consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

Status assign(rd_kafka_t* rk, const std::map<TopicPartition, int64_t>& from) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(from.size()));
  for (const auto& [tp, offset] : from) {
    rd_kafka_topic_partition_list_add(list, std::string(topic_name(tp.topic)).c_str(), tp.partition)
        ->offset = offset;
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return unavailable(std::string("Kafka assign: ") + rd_kafka_err2str(err));
  return Status::ok();
}

// Errors a consumer reports per message: lost data stops the reader; the
// rest (a broker going away, a leader moving) librdkafka retries by itself.
Status message_error(const rd_kafka_message_t* m) {
  switch (m->err) {
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return {Errc::corruption, std::string("Kafka no longer has the records to read: ") +
                                    rd_kafka_message_errstr(m)};
    default:
      return Status::ok();
  }
}

Record to_record(const rd_kafka_message_t* m, Topic topic) {
  Record r{topic, m->partition, m->offset, {}, {}};
  if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
  return r;
}

class KafkaReader final : public LogReader {
 public:
  explicit KafkaReader(rd_kafka_t* rk) : rk_(rk) {}
  ~KafkaReader() override {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  void assign(TopicPartition tp, int64_t from) override {
    next_[tp] = from;
    dirty_ = true;
  }

  Status poll(size_t max, milliseconds wait, std::vector<Record>& out) override {
    if (dirty_) {
      if (Status s = aftercare::assign(rk_, next_); !s) return s;
      dirty_ = false;
    }
    // The first record may take `wait`; the rest are what is already fetched.
    milliseconds timeout = wait;
    for (size_t n = 0; n < max; ++n) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, ms(timeout));
      if (!m) break;
      timeout = milliseconds(0);
      Status s = accept(m, out);
      rd_kafka_message_destroy(m);
      if (!s) return s;
    }
    return Status::ok();
  }

 private:
  Status accept(const rd_kafka_message_t* m, std::vector<Record>& out) {
    if (m->err) return message_error(m);
    const auto topic = topic_from_name(rd_kafka_topic_name(m->rkt));
    if (!topic) return Status::ok();
    auto it = next_.find({*topic, m->partition});
    if (it == next_.end() || m->offset < it->second) return Status::ok();  // from before a re-assign
    it->second = m->offset + 1;
    out.push_back(to_record(m, *topic));
    return Status::ok();
  }

  rd_kafka_t* rk_;
  std::map<TopicPartition, int64_t> next_;
  bool dirty_ = false;
};

}  // namespace

std::map<std::string, std::string> kafka_client_properties(const KafkaLogOptions& options) {
  std::map<std::string, std::string> p{
      {"bootstrap.servers", options.bootstrap},
      {"client.id", options.client_id},
      {"log_level", "4"},  // warnings and worse; librdkafka's info lines are noise here
      {"reconnect.backoff.max.ms", "1000"},
      // A producer's metadata request would otherwise have the broker create
      // a missing topic with its own default partition count (1 on a stock
      // broker): keys would land elsewhere than on the other topics.
      // Missing topics are created by check_topics(), with the right count.
      {"allow.auto.create.topics", "false"},
  };
  for (const auto& [k, v] : options.properties) p[k] = v;
  return p;
}

KafkaLog::KafkaLog(KafkaLogOptions options) : options_(std::move(options)) {}

KafkaLog::~KafkaLog() { close(); }

Result<std::unique_ptr<KafkaLog>> KafkaLog::open(const KafkaLogOptions& options) {
  if (options.bootstrap.empty()) return Status{Errc::invalid_argument, "no Kafka bootstrap servers given"};
  std::unique_ptr<KafkaLog> log(new KafkaLog(options));
  log_metrics();  // registered up front, so /metrics shows them before the first append
  auto producer = log->make_producer();
  if (!producer) return producer.status();
  log->producer_ = std::move(producer).value();
  if (Status s = log->check_topics(); !s) return s;
  log->open_topic_handles(*log->producer_);
  log->ends_.assign(kAllTopics.size() * log->partitions_, 0);
  log->poller_ = std::thread([raw = log.get()] { raw->poll_loop(); });
  return log;
}

Result<std::shared_ptr<KafkaLog::Producer>> KafkaLog::make_producer() {
  auto props = kafka_client_properties(options_);
  props["enable.idempotence"] = "true";  // implies acks=all; no duplicates, no reordering
  props["acks"] = "all";
  props["partitioner"] = "murmur2_random";  // we pick partitions ourselves, with the same function
  props["linger.ms"] = "1";
  props["message.timeout.ms"] = std::to_string(options_.delivery_timeout.count());
  // A request that times out is retried (idempotently) within the message's
  // own timeout: with both equal, one slow response failed the message, and
  // dropped the connection under unrelated ones.
  props["request.timeout.ms"] = std::to_string(std::clamp<int64_t>(options_.delivery_timeout.count() / 3, 500, 30000));
  auto conf = make_conf(props);
  if (!conf) return conf.status();
  auto p = std::make_shared<Producer>();
  p->log = this;
  rd_kafka_conf_set_opaque(*conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(*conf, delivery_trampoline);
  rd_kafka_conf_set_error_cb(*conf, error_trampoline);
  char err[512];
  p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err, sizeof err);
  if (!p->rk) {
    rd_kafka_conf_destroy(*conf);
    return unavailable(std::string("cannot create the Kafka producer: ") + err);
  }
  return p;
}

void KafkaLog::open_topic_handles(Producer& p) {
  // Only once the topics are known to exist: a handle asks the cluster for
  // its topic, and some brokers (the development broker among them) create
  // a topic they are asked about, with their own partition count.
  for (Topic t : kAllTopics)
    p.topics.push_back(rd_kafka_topic_new(p.rk, std::string(topic_name(t)).c_str(), nullptr));
}

Result<std::map<Topic, int32_t>> KafkaLog::existing_topics() {
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(producer_->rk, 1, nullptr, &md, ms(options_.connect_timeout));
  if (err) return unavailable("cannot reach Kafka at " + options_.bootstrap + ": " + rd_kafka_err2str(err));
  std::map<Topic, int32_t> found;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto t = topic_from_name(md->topics[i].topic);
    if (t && !md->topics[i].err) found[*t] = md->topics[i].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  return found;
}

Status KafkaLog::check_topics() {
  auto existing = existing_topics();
  if (!existing) return existing.status();
  std::map<Topic, int32_t> found = std::move(existing).value();
  std::vector<Topic> missing;
  std::string missing_names;
  for (Topic t : kAllTopics) {
    if (found.count(t)) continue;
    missing.push_back(t);
    missing_names += (missing_names.empty() ? "" : ", ") + std::string(topic_name(t));
  }
  if (!missing.empty()) {
    // Created with the partition count the others have (a key's partition
    // must be the same on every topic), never left to the broker's
    // auto-creation and its own default count.
    const int32_t count = !found.empty() ? found.begin()->second
                                         : (options_.partitions ? options_.partitions : kDefaultPartitions);
    if (Status s = create_topics(missing, count); !s) {
      std::string commands;
      for (Topic t : missing)
        commands += "\n  kafka-topics.sh --bootstrap-server " + options_.bootstrap + " --create --topic " +
                    std::string(topic_name(t)) + " --partitions " + std::to_string(count);
      return Status{Errc::not_found, "Kafka at " + options_.bootstrap + " has no topic " + missing_names +
                                         " and creating it failed (" + s.message() +
                                         "); create it with the partition count of the others (" +
                                         std::to_string(count) + "):" + commands};
    }
    log_info("kafka.topics_created", {{"topics", missing_names}, {"partitions", std::to_string(count)}});
    // The metadata may lag the creation for a moment.
    const auto until = std::chrono::steady_clock::now() + options_.connect_timeout;
    for (;;) {
      auto now_existing = existing_topics();
      if (!now_existing) return now_existing.status();
      found = std::move(now_existing).value();
      bool all = true;
      for (Topic t : missing) all = all && found.count(t);
      if (all) break;
      if (std::chrono::steady_clock::now() > until)
        return unavailable("Kafka at " + options_.bootstrap + " created " + missing_names +
                           " but does not list it yet; start again");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  partitions_ = found.begin()->second;
  if (char* id = rd_kafka_clusterid(producer_->rk, ms(options_.connect_timeout))) {
    cluster_id_ = id;
    rd_kafka_mem_free(producer_->rk, id);
  } else {
    cluster_id_ = options_.bootstrap;
  }
  for (const auto& [t, n] : found) {
    if (n != partitions_) {
      return Status{Errc::corruption, "the aftercare topics must all have the same partition count: " +
                                          std::string(topic_name(t)) + " has " + std::to_string(n) +
                                          ", " + std::string(topic_name(found.begin()->first)) +
                                          " has " + std::to_string(partitions_)};
    }
  }
  if (options_.partitions && options_.partitions != partitions_)
    return Status{Errc::invalid_argument, "the aftercare topics at " + options_.bootstrap + " have " +
                                              std::to_string(partitions_) + " partitions; --partitions " +
                                              std::to_string(options_.partitions) +
                                              " cannot change that (drop the flag)"};
  return Status::ok();
}

Status KafkaLog::create_topics(const std::vector<Topic>& missing, int32_t count) {
  char err[512];
  std::vector<rd_kafka_NewTopic_t*> topics;
  auto free_topics = [&] {
    for (auto* t : topics) rd_kafka_NewTopic_destroy(t);
  };
  for (Topic t : missing) {
    // Replication factor -1: the broker's default.replication.factor.
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(std::string(topic_name(t)).c_str(), count, -1, err, sizeof err);
    if (!nt) return free_topics(), Status{Errc::invalid_argument, err};
    topics.push_back(nt);
    // The log is the system of record: nothing expires or is compacted away.
    if (rd_kafka_NewTopic_set_config(nt, "retention.ms", "-1") || rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "delete"))
      return free_topics(), Status{Errc::invalid_argument, "cannot configure the new topic"};
  }
  rd_kafka_AdminOptions_t* admin = rd_kafka_AdminOptions_new(producer_->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(admin, static_cast<int>(options_.connect_timeout.count()), err, sizeof err);
  rd_kafka_AdminOptions_set_operation_timeout(admin, static_cast<int>(options_.connect_timeout.count()), err, sizeof err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(producer_->rk);
  rd_kafka_CreateTopics(producer_->rk, topics.data(), topics.size(), admin, queue);
  free_topics();
  rd_kafka_AdminOptions_destroy(admin);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(options_.connect_timeout.count()) + 2000);
  rd_kafka_queue_destroy(queue);
  if (!ev) return unavailable("no answer to CreateTopics");
  Status result = Status::ok();
  if (rd_kafka_event_error(ev)) {
    result = unavailable(rd_kafka_event_error_string(ev));
  } else if (const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev)) {
    size_t n = 0;
    const rd_kafka_topic_result_t** each = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n && result; ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(each[i]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)  // another server created it: fine
        result = unavailable(std::string(rd_kafka_topic_result_name(each[i])) + ": " +
                             (rd_kafka_topic_result_error_string(each[i]) ? rd_kafka_topic_result_error_string(each[i])
                                                                           : rd_kafka_err2str(e)));
    }
  }
  rd_kafka_event_destroy(ev);
  return result;
}

std::shared_ptr<KafkaLog::Producer> KafkaLog::producer() {
  std::lock_guard lock(producer_mu_);
  return producer_;
}

void KafkaLog::append(std::vector<AppendItem> items, AppendDone done) {
  if (items.empty()) return done(std::vector<RecordId>{});
  if (closing_) return done(unavailable("the event log is closed"));
  auto batch = std::make_shared<AppendBatch>(items.size(), std::move(done));
  std::vector<std::pair<size_t, Status>> refused;
  {
    // One append's records are enqueued back to back, so records of one
    // partition leave in one batch whenever they fit.
    std::lock_guard lock(producer_mu_);
    Producer& p = *producer_;
    for (size_t i = 0; i < items.size(); ++i) {
      AppendItem& item = items[i];
      rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
      rd_kafka_header_add(headers, "content-type", -1, kContentType, -1);
      if (!item.ce_type.empty()) rd_kafka_header_add(headers, "ce_type", -1, item.ce_type.data(), item.ce_type.size());
      if (!item.ce_id.empty()) rd_kafka_header_add(headers, "ce_id", -1, item.ce_id.data(), item.ce_id.size());
      auto* slot = new Slot{batch, i};
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          p.rk, RD_KAFKA_V_RKT(p.topics[static_cast<size_t>(item.topic)]),
          RD_KAFKA_V_PARTITION(partition_of(item.key)),
          RD_KAFKA_V_KEY(item.key.data(), item.key.size()),
          RD_KAFKA_V_VALUE(item.value.data(), item.value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
          RD_KAFKA_V_OPAQUE(slot), RD_KAFKA_V_END);
      if (err) {
        rd_kafka_headers_destroy(headers);
        delete slot;
        refused.emplace_back(i, unavailable(std::string("Kafka refused the event: ") + rd_kafka_err2str(err)));
      }
    }
  }
  for (const auto& [i, s] : refused) batch->finish_one(i, s, {});
}

void KafkaLog::on_delivery(Producer&, int err, bool maybe_written, const RecordId& id, void* opaque) {
  std::unique_ptr<Slot> pending(static_cast<Slot*>(opaque));
  if (err) {
    // A record that was sent may have reached the broker and be written
    // after all (a timeout on the client says nothing about the broker):
    // its outcome is unknown, and only a retry with the same
    // Idempotency-Key settles it. One that never left is simply not written.
    const std::string why = rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err));
    Status s = maybe_written
                   ? Status{Errc::outcome_unknown,
                            "Kafka did not acknowledge the event in time (" + why +
                                "); it may still be written: retry with the same Idempotency-Key to learn the "
                                "outcome (a retry without one may do the command twice)"}
                   : unavailable("Kafka did not acknowledge the event: " + why);
    metrics().counter("aftercare_kafka_delivery_failures_total", "Events Kafka did not acknowledge").inc();
    {
      std::lock_guard lock(health_mu_);
      last_failure_ = s;
    }
    pending->batch->finish_one(pending->index, s, id);
    return;
  }
  {
    std::lock_guard lock(ends_mu_);
    int64_t& end = ends_[slot(TopicPartition{id.topic, id.partition})];
    end = std::max(end, id.offset + 1);
  }
  {
    std::lock_guard lock(health_mu_);
    last_failure_ = Status::ok();
  }
  pending->batch->finish_one(pending->index, Status::ok(), id);
}

void KafkaLog::on_error(Producer& p, int err, const char* reason) {
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char why[512] = "";
    rd_kafka_fatal_error(p.rk, why, sizeof why);
    log_error("kafka.producer_fatal", {{"error", why}});
    p.fatal = true;
  } else {
    log_warn("kafka.error", {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))},
                             {"reason", reason}});
  }
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__FATAL) {
    std::lock_guard lock(health_mu_);
    last_failure_ = unavailable(std::string("Kafka: ") + reason);
  }
}

void KafkaLog::poll_loop() {
  while (!closing_) {
    std::shared_ptr<Producer> p = producer();
    rd_kafka_poll(p->rk, 100);
    if (p->fatal) replace_producer(std::move(p));
  }
}

void KafkaLog::replace_producer(std::shared_ptr<Producer> broken) {
  // A fatal error ends an idempotent producer's session; its unacknowledged
  // records fail (their commands answer 503 and their aggregates are
  // re-read from the log before the next command) and a new session starts.
  auto fresh = make_producer();
  if (!fresh) {
    log_error("kafka.producer_restart_failed", {{"error", fresh.status().message()}});
    std::this_thread::sleep_for(milliseconds(1000));
    return;
  }
  open_topic_handles(**fresh);
  {
    std::lock_guard lock(producer_mu_);
    producer_ = std::move(fresh).value();
  }
  broken->drain_and_destroy(milliseconds(0));
  log_info("kafka.producer_restarted");
}

void KafkaLog::close() {
  if (closing_.exchange(true)) return;
  if (poller_.joinable()) poller_.join();
  if (producer_) producer_->drain_and_destroy(options_.delivery_timeout + milliseconds(1000));
  std::lock_guard lock(pool_mu_);
  pool_.clear();
}

Status KafkaLog::health() {
  if (closing_) return unavailable("the event log is closed");
  if (producer()->fatal) return unavailable("the Kafka producer is restarting after a fatal error");
  {
    std::lock_guard lock(health_mu_);
    if (last_failure_.is_ok()) return Status::ok();
  }
  // Nothing may have been appended since the failure: ask the brokers
  // (at most once a second) whether they are back.
  (void)end_offset({Topic::requests, 0});
  std::lock_guard lock(health_mu_);
  return last_failure_;
}

std::unique_ptr<KafkaLog::Consumer> KafkaLog::take_consumer() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return c;
    }
  }
  auto rk = make_consumer_handle(options_);
  if (!rk) return nullptr;
  auto c = std::make_unique<Consumer>();
  c->rk = *rk;
  return c;
}

void KafkaLog::give_back(std::unique_ptr<Consumer> c) {
  std::lock_guard lock(pool_mu_);
  if (!closing_ && pool_.size() < 8) pool_.push_back(std::move(c));
}

Status KafkaLog::refresh_ends() {
  auto c = take_consumer();
  if (!c) return unavailable("cannot create a Kafka consumer");
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(kAllTopics.size()) * partitions_);
  for (Topic t : kAllTopics) {
    const std::string name(topic_name(t));
    for (int32_t p = 0; p < partitions_; ++p)
      rd_kafka_topic_partition_list_add(list, name.c_str(), p)->offset = RD_KAFKA_OFFSET_END;
  }
  const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(c->rk, list, ms(kQueryTimeout));
  Status result;
  if (err) {
    result = unavailable(std::string("cannot read Kafka's end offsets: ") + rd_kafka_err2str(err));
  } else {
    std::lock_guard lock(ends_mu_);
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      const auto t = topic_from_name(e.topic);
      if (!t || e.partition >= partitions_) continue;
      if (e.err) {
        result = unavailable(std::string("cannot read Kafka's end offsets: ") + rd_kafka_err2str(e.err));
        continue;
      }
      int64_t& end = ends_[slot({*t, e.partition})];
      end = std::max(end, e.offset);
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  give_back(std::move(c));
  return result;
}

Result<int64_t> KafkaLog::end_offset(TopicPartition tp) { return cached_end(tp, kEndsFreshFor); }

Result<int64_t> KafkaLog::end_offset_now(TopicPartition tp) { return cached_end(tp, milliseconds(0)); }

Result<int64_t> KafkaLog::cached_end(TopicPartition tp, milliseconds fresh_for) {
  if (tp.partition < 0 || tp.partition >= partitions_) return Status{Errc::invalid_argument, "no such partition"};
  {
    const auto asked = Clock::now();
    std::lock_guard refresh(refresh_mu_);  // one refresh at a time; callers in between share it
    const auto now = Clock::now();
    std::unique_lock lock(ends_mu_);
    // A refresh that started after we asked is as good as our own.
    if (ends_at_ <= asked && now - ends_at_ >= fresh_for) {
      if (!ends_error_.is_ok() && now - ends_failed_at_ < kEndsRetryAfter) return ends_error_;
      lock.unlock();
      const auto started = Clock::now();
      Status s = refresh_ends();
      lock.lock();
      if (!s) {
        ends_error_ = s;
        ends_failed_at_ = now;
        return s;
      }
      ends_error_ = Status::ok();
      ends_at_ = started;
      std::lock_guard health(health_mu_);
      last_failure_ = Status::ok();  // the partition leaders answered: the broker is back
    }
  }
  std::lock_guard lock(ends_mu_);
  return ends_[slot(tp)];
}

Status KafkaLog::read(TopicPartition tp, int64_t from, size_t max, std::vector<Record>& out) {
  if (max == 0) return Status::ok();
  auto end = end_offset(tp);
  if (!end) return end.status();
  if (from >= *end) return Status::ok();
  const int64_t last = std::min<int64_t>(*end, from + static_cast<int64_t>(max)) - 1;
  auto c = take_consumer();
  if (!c) return unavailable("cannot create a Kafka consumer");
  if (Status s = assign(c->rk, {{tp, from}}); !s) return s;
  const auto deadline = Clock::now() + kReadTimeout;
  int64_t next = from;
  Status result;
  while (next <= last) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result = unavailable("timed out reading " + std::string(topic_name(tp.topic)) + "/" +
                           std::to_string(tp.partition) + " from Kafka");
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c->rk, ms(left));
    if (!m) continue;
    if (m->err) {
      result = message_error(m);
    } else if (m->partition == tp.partition && m->offset >= next &&
               topic_from_name(rd_kafka_topic_name(m->rkt)) == tp.topic) {
      out.push_back(to_record(m, tp.topic));
      next = m->offset + 1;
    }
    rd_kafka_message_destroy(m);
    if (!result) break;
  }
  rd_kafka_assign(c->rk, nullptr);
  if (result) give_back(std::move(c));
  return result;
}

namespace {
// What open_reader() returns when no consumer could be made: every poll says why.
class FailedReader final : public LogReader {
 public:
  explicit FailedReader(Status why) : why_(std::move(why)) {}
  void assign(TopicPartition, int64_t) override {}
  Status poll(size_t, milliseconds, std::vector<Record>&) override { return why_; }

 private:
  Status why_;
};
}  // namespace

std::unique_ptr<LogReader> KafkaLog::open_reader() {
  auto rk = make_consumer_handle(options_);
  if (!rk) return std::make_unique<FailedReader>(rk.status());
  return std::make_unique<KafkaReader>(*rk);
}

}  // namespace aftercare
