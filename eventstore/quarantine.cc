#include "eventstore/quarantine.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/durable_file.h"
#include "base/ids.h"
#include "domain/json.h"

namespace aftercare {
namespace {

std::string file_of(const std::string& dir) { return dir + "/quarantine.json"; }


}  // namespace

std::string record_name(const RecordId& r) {
  return std::string(topic_name(r.topic)) + "/" + std::to_string(r.partition) + "@" +
         std::to_string(r.offset);
}

Result<RecordId> parse_record_name(std::string_view name) {
  const size_t slash = name.find('/'), at = name.find('@');
  const Status bad{Errc::invalid_argument,
                   "a record is named TOPIC/PARTITION@OFFSET, e.g. aftercare.requests/3@1043"};
  if (slash == std::string_view::npos || at == std::string_view::npos || at < slash) return bad;
  auto topic = topic_from_name(name.substr(0, slash));
  if (!topic) return bad;
  RecordId r{*topic, 0, 0};
  const std::string_view p = name.substr(slash + 1, at - slash - 1), o = name.substr(at + 1);
  auto [pe, pec] = std::from_chars(p.data(), p.data() + p.size(), r.partition);
  auto [oe, oec] = std::from_chars(o.data(), o.data() + o.size(), r.offset);
  if (pec != std::errc() || oec != std::errc() || pe != p.data() + p.size() ||
      oe != o.data() + o.size() || r.partition < 0 || r.offset < 0)
    return bad;
  return r;
}

Result<Quarantine> Quarantine::load(const std::string& data_dir) {
  Quarantine q;
  std::ifstream in(file_of(data_dir));
  if (!in) return q;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  simdjson::dom::parser parser;
  auto root = parse_strict(parser, text);
  simdjson::dom::array arr;
  if (!root || root->get_array().get(arr))
    return Status{Errc::corruption, file_of(data_dir) + " is not a JSON array"};
  for (auto e : arr) {
    std::string_view name, sha, reason, added;
    if (e["record"].get_string().get(name) || e["sha256"].get_string().get(sha) ||
        e["reason"].get_string().get(reason) || e["at"].get_string().get(added))
      return Status{Errc::corruption, file_of(data_dir) + ": each entry needs record, sha256, reason and at"};
    auto at = parse_record_name(name);
    if (!at) return Status{Errc::corruption, file_of(data_dir) + ": " + at.status().message()};
    q.records_.push_back({*at, std::string(sha), std::string(reason), std::string(added)});
  }
  return q;
}

Status Quarantine::add(const std::string& data_dir, const Record& record, std::string_view reason,
                       Timestamp now) {
  auto q = load(data_dir);
  if (!q) return q.status();
  if (q->contains(record)) return Status::ok();
  q->records_.push_back({{record.topic, record.partition, record.offset},
                         to_hex(sha256(record.value)), std::string(reason), format_rfc3339(now)});
  JsonWriter w;
  w.begin_array();
  for (const auto& r : q->records_)
    w.begin_object().field("record", record_name(r.at)).field("sha256", r.sha256)
        .field("reason", r.reason).field("at", r.added_at).end_object();
  w.end_array();
  return write_file_durably(file_of(data_dir), w.str() + "\n");
}

bool Quarantine::contains(const Record& r) const {
  for (const auto& q : records_) {
    if (q.at.topic == r.topic && q.at.partition == r.partition && q.at.offset == r.offset)
      return q.sha256 == to_hex(sha256(r.value));
  }
  return false;
}

std::string undecodable_advice(const RecordId& r) {
  const std::string name = record_name(r);
  return "the log is immutable, so this record cannot be fixed in place: look at it with "
         "`aftercare quarantine --show " + name + "`; if it cannot be repaired at its source, stop "
         "the service and set it aside with `aftercare quarantine " + name +
         " --reason TEXT` (serve, replay and audit then skip exactly that record and list it)";
}

std::string unapplicable_advice(const RecordId& r) {
  const std::string name = record_name(r);
  return "if it was written by a newer aftercare, upgrade this one; if it was written by another producer, "
         "look at it with `aftercare quarantine --show " + name + "`, stop the service and set it aside with "
         "`aftercare quarantine " + name + " --reason TEXT --even-if-it-decodes`";
}

}  // namespace aftercare
