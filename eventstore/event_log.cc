#include "eventstore/event_log.h"

#include <fstream>

#include "base/durable_file.h"

#include <charconv>
#include <iterator>
#include <future>

namespace aftercare {
namespace {

constexpr char kTopicLetters[] = {'r', 'd', 'v', 'p', 'm', 'c'};
static_assert(std::size(kTopicLetters) == kAllTopics.size(), "one position letter per topic");

std::optional<Topic> topic_from_letter(char c) {
  for (Topic t : kAllTopics)
    if (kTopicLetters[static_cast<int>(t)] == c) return t;
  return std::nullopt;
}

}  // namespace

void Position::advance(TopicPartition tp, int64_t next_offset) {
  auto [it, inserted] = entries_.emplace(tp, next_offset);
  if (!inserted && it->second < next_offset) it->second = next_offset;
}

std::string Position::to_token() const {
  std::string out;
  for (const auto& [tp, off] : entries_) {
    if (!out.empty()) out.push_back(',');
    out.push_back(kTopicLetters[static_cast<int>(tp.topic)]);
    out += std::to_string(tp.partition);
    out.push_back(':');
    out += std::to_string(off);
  }
  return out;
}

std::optional<Position> Position::from_token(std::string_view token) {
  Position p;
  constexpr size_t kMaxEntries = 1024;
  size_t count = 0;
  while (!token.empty()) {
    if (++count > kMaxEntries) return std::nullopt;
    const size_t comma = token.find(',');
    std::string_view part = token.substr(0, comma);
    token = comma == std::string_view::npos ? std::string_view{} : token.substr(comma + 1);
    if (comma != std::string_view::npos && token.empty()) return std::nullopt;
    if (part.size() < 4) return std::nullopt;
    auto topic = topic_from_letter(part[0]);
    const size_t colon = part.find(':');
    if (!topic || colon == std::string_view::npos) return std::nullopt;
    int32_t partition = 0;
    int64_t offset = 0;
    auto r1 = std::from_chars(part.data() + 1, part.data() + colon, partition);
    auto r2 = std::from_chars(part.data() + colon + 1, part.data() + part.size(), offset);
    if (r1.ec != std::errc() || r1.ptr != part.data() + colon || r2.ec != std::errc() ||
        r2.ptr != part.data() + part.size() || partition < 0 || offset < 0)
      return std::nullopt;
    p.advance({*topic, partition}, offset);
  }
  return p;
}

Result<std::vector<RecordId>> append_and_wait(EventLog& log, std::vector<AppendItem> items) {
  std::promise<Result<std::vector<RecordId>>> promise;
  auto future = promise.get_future();
  log.append(std::move(items), [&promise](Result<std::vector<RecordId>> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

Result<Position> read_position_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Position();
  std::string token;
  std::getline(in, token);
  auto p = Position::from_token(token);
  if (!p) return Status{Errc::corruption, path + " is not a position: " + token};
  return *p;
}

Status write_position_file(const std::string& path, const Position& p) {
  return write_file_durably(path, p.to_token() + "\n");
}

}  // namespace aftercare
