// KafkaLog: the EventLog on Apache Kafka, through librdkafka.
//
// Writes go through one idempotent producer (enable.idempotence=true, so
// acks=all, no duplicates and no reordering on retries). An append
// completes once the broker has acknowledged every one of its records, with
// their offsets; it fails — and the caller answers 503 — when that has not
// happened within `delivery_timeout`. Records are CloudEvents in structured
// mode: value = envelope, key = partition key, headers content-type,
// ce_type and ce_id (docs/consumers.md).
//
// Reads use assign-only consumers (no consumer group, no committed
// offsets): aftercare keeps its own per-partition checkpoints in RocksDB.
//
// Atomicity: Kafka without transactions cannot make several records one
// unit. aftercare keeps every event of a command in one partition of one
// topic and enqueues them back to back, so they normally travel in one
// record batch; if a command fails part-way, the caller treats its outcome
// as unknown and re-reads the aggregate from the log before the next
// command on it (docs/kafka.md).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_log.h"

typedef struct rd_kafka_s rd_kafka_t;

namespace aftercare {

struct KafkaLogOptions {
  std::string bootstrap;                        // host:port[,host:port...]
  // The topics' partition count must be this one, when nonzero (serve --partitions).
  int32_t partitions = 0;
  std::chrono::milliseconds delivery_timeout{5000};  // an unacknowledged append fails after this
  std::chrono::milliseconds connect_timeout{10000};  // open() gives up after this
  std::string client_id = "aftercare";
  // Extra librdkafka properties for both producer and consumers (tests).
  std::map<std::string, std::string> properties = {};
};

class KafkaLog final : public EventLog {
 public:
  // Connects, checks the aftercare topics, and starts the producer.
  static Result<std::unique_ptr<KafkaLog>> open(const KafkaLogOptions& options);
  ~KafkaLog() override;

  int32_t partition_count() const override { return partitions_; }
  void append(std::vector<AppendItem> items, AppendDone done) override;
  Status read(TopicPartition tp, int64_t from, size_t max, std::vector<Record>& out) override;
  Result<int64_t> end_offset(TopicPartition tp) override;
  Result<int64_t> end_offset_now(TopicPartition tp) override;
  std::unique_ptr<LogReader> open_reader() override;
  Status health() override;
  std::string identity() const override { return "kafka:" + cluster_id_; }
  void close() override;

  const KafkaLogOptions& options() const { return options_; }

  struct Producer;
  struct Consumer;
  // librdkafka callbacks (public so the C trampolines can reach them).
  // `maybe_written`: a failed record that may still have reached the broker.
  void on_delivery(Producer& p, int err, bool maybe_written, const RecordId& id, void* slot);
  void on_error(Producer& p, int err, const char* reason);

 private:
  explicit KafkaLog(KafkaLogOptions options);
  Status check_topics();
  // Creates `missing` with `count` partitions (CreateTopics); a topic that
  // another process created meanwhile counts as created.
  Status create_topics(const std::vector<Topic>& missing, int32_t count);
  void open_topic_handles(Producer& p);
  // Partition counts of the aftercare topics the cluster has.
  Result<std::map<Topic, int32_t>> existing_topics();
  Result<std::shared_ptr<Producer>> make_producer();
  std::shared_ptr<Producer> producer();
  void poll_loop();
  void replace_producer(std::shared_ptr<Producer> broken);
  Status refresh_ends();
  Result<int64_t> cached_end(TopicPartition tp, std::chrono::milliseconds fresh_for);
  std::unique_ptr<Consumer> take_consumer();
  void give_back(std::unique_ptr<Consumer> c);
  size_t slot(TopicPartition tp) const {
    return static_cast<size_t>(tp.topic) * partitions_ + tp.partition;
  }

  KafkaLogOptions options_;
  int32_t partitions_ = 0;
  std::string cluster_id_;

  std::mutex producer_mu_;  // guards producer_ and serialises one append's enqueueing
  std::shared_ptr<Producer> producer_;
  std::atomic<bool> closing_{false};
  std::thread poller_;

  // End offsets: the broker's high watermarks, refreshed at most every
  // kEndsFreshFor, raised by our own acknowledged appends in between.
  std::mutex refresh_mu_;  // one watermark query at a time
  std::mutex ends_mu_;
  std::vector<int64_t> ends_;
  std::chrono::steady_clock::time_point ends_at_{};
  std::chrono::steady_clock::time_point ends_failed_at_{};
  Status ends_error_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Consumer>> pool_;  // idle consumers for read()

  std::mutex health_mu_;
  Status last_failure_;  // the last failed append; cleared by the next acknowledged one
};

// librdkafka properties shared by every client aftercare makes.
std::map<std::string, std::string> kafka_client_properties(const KafkaLogOptions& options);

}  // namespace aftercare
