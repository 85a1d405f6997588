// `aftercare dev-broker`: librdkafka's mock cluster as a standalone broker
// process for development and tests. Real Kafka wire protocol (produce,
// fetch, idempotence, consumer groups), in memory only. Limits: docs/kafka.md.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "app/cli.h"
#include "eventstore/topics.h"

namespace aftercare {
namespace {

constexpr const char* kDevBrokerHelp =
    "usage: aftercare dev-broker [--brokers N] [--partitions N] [--without-topic NAME]\n"
    "\n"
    "Starts an in-memory Kafka cluster (librdkafka's mock cluster) with the\n"
    "aftercare topics, prints its bootstrap servers as the first line of stdout,\n"
    "and runs until SIGTERM or SIGINT. Everything is lost when it stops.\n"
    "\n"
    "  --brokers     brokers in the cluster (default 1)\n"
    "  --partitions  partitions per topic (default 8)\n"
    "  --without-topic  leave out this topic, as a cluster set up by an older\n"
    "                version lacks one added since (serve --kafka creates it)\n"
    "\n"
    "Fault injection, one command per line on stdin (answered `ok` or `error: ...`):\n"
    "  down BROKER              the broker stops answering and drops its connections\n"
    "  up BROKER                it comes back\n"
    "  rtt BROKER MS            adds MS milliseconds to every response\n"
    "  errors API COUNT ERROR   the next COUNT requests of API (produce, fetch,\n"
    "                           list-offsets, metadata) fail with ERROR, a Kafka error\n"
    "                           name such as NOT_LEADER_FOR_PARTITION\n";

int16_t api_key(const std::string& name) {
  if (name == "produce") return 0;
  if (name == "fetch") return 1;
  if (name == "list-offsets") return 2;
  if (name == "metadata") return 3;
  return -1;
}

std::optional<rd_kafka_resp_err_t> error_by_name(const std::string& name) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t n = 0;
  rd_kafka_get_err_descs(&descs, &n);
  for (size_t i = 0; i < n; ++i) {
    if (descs[i].name && name == descs[i].name) return descs[i].code;
  }
  return std::nullopt;
}

std::string control(rd_kafka_mock_cluster_t* cluster, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  int32_t broker = 0;
  if (verb == "down" || verb == "up") {
    if (!(in >> broker)) return "error: " + verb + " takes a broker id";
    const auto err = verb == "down" ? rd_kafka_mock_broker_set_down(cluster, broker)
                                    : rd_kafka_mock_broker_set_up(cluster, broker);
    return err ? std::string("error: ") + rd_kafka_err2str(err) : "ok";
  }
  if (verb == "rtt") {
    int rtt = 0;
    if (!(in >> broker >> rtt)) return "error: rtt takes a broker id and milliseconds";
    const auto err = rd_kafka_mock_broker_set_rtt(cluster, broker, rtt);
    return err ? std::string("error: ") + rd_kafka_err2str(err) : "ok";
  }
  if (verb == "errors") {
    std::string api, name;
    size_t count = 0;
    if (!(in >> api >> count >> name)) return "error: errors takes API COUNT ERROR";
    const int16_t key = api_key(api);
    if (key < 0) return "error: unknown API " + api;
    const auto code = error_by_name(name);
    if (!code) return "error: unknown Kafka error " + name;
    std::vector<rd_kafka_resp_err_t> errors(count, *code);
    rd_kafka_mock_push_request_errors_array(cluster, key, count, errors.data());
    return "ok";
  }
  return "error: unknown command \"" + verb + "\"";
}

}  // namespace

int dev_broker_main(const std::vector<std::string>& argv) {
  Args args(argv, {"brokers", "partitions", "without-topic"}, {"help"});
  if (args.has("help")) return std::fputs(kDevBrokerHelp, stdout), 0;
  int brokers = 1, partitions = kDefaultPartitions;
  try {
    if (auto b = args.get("brokers")) brokers = std::stoi(*b);
    if (auto p = args.get("partitions")) partitions = std::stoi(*p);
  } catch (...) {
    brokers = 0;
  }
  if (!args.ok() || !args.positional().empty() || brokers < 1 || brokers > 9 || partitions < 1 ||
      partitions > 256) {
    std::fprintf(stderr, "aftercare dev-broker: %s\n\n%s",
                 args.ok() ? "--brokers takes 1..9 and --partitions 1..256" : args.error().c_str(),
                 kDevBrokerHelp);
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) return std::fprintf(stderr, "aftercare dev-broker: %s\n", err), 1;
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (!cluster) return std::fputs("aftercare dev-broker: cannot start the mock cluster\n", stderr), 1;
  const std::string without = args.get("without-topic").value_or("");
  for (Topic t : kAllTopics) {
    if (topic_name(t) == without) continue;
    const auto e = rd_kafka_mock_topic_create(cluster, std::string(topic_name(t)).c_str(), partitions,
                                              std::min(brokers, 3));
    if (e) return std::fprintf(stderr, "aftercare dev-broker: %s\n", rd_kafka_err2str(e)), 1;
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);

  // Control lines until stdin closes; the broker keeps running after that.
  std::thread controller([cluster] {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      std::printf("%s\n", control(cluster, line).c_str());
      std::fflush(stdout);
    }
  });
  controller.detach();

  int sig = 0;
  sigwait(&signals, &sig);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  std::_Exit(0);  // the controller may still be blocked reading stdin
}

}  // namespace aftercare
