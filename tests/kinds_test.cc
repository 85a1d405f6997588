// Every registered aggregate kind (domain/kinds/kinds.inc), present and
// future, gets these tests without code of its own: its topic is one the
// log knows, each of its event types has a JSON Schema, its example
// histories fold the same through the typed state and through the JSON
// codec (the write side's snapshot) and emit only declared events, and its
// upcasters chain up to the current version.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "domain/json.h"
#include "domain/kind.h"
#include "domain/master_data.h"
#include "eventstore/envelope.h"
#include "eventstore/topics.h"

namespace aftercare {
namespace {

namespace fs = std::filesystem;

const fs::path kSchemas = fs::path(AFTERCARE_SOURCE_DIR) / "schemas" / "events";

TEST(KindsTest, TheRegistryHoldsTheKindsOfTheApiWithUniqueNames) {
  std::set<std::string_view> names;
  for (const AggregateKind& k : all_kinds()) {
    EXPECT_TRUE(names.insert(k.name()).second) << "two kinds named " << k.name();
    EXPECT_EQ(kind_named(k.name()), k);
  }
  for (auto name : {"request", "customer", "engineer", "unit", "product", "command"})
    EXPECT_TRUE(names.count(name)) << name;
  EXPECT_FALSE(kind_named("nonsense"));
}

TEST(KindsTest, EveryKindWritesToATopicTheLogKnows) {
  for (const AggregateKind& k : all_kinds())
    EXPECT_TRUE(topic_from_name(k.topic())) << k.name() << " writes to unknown topic " << k.topic();
}

TEST(KindsTest, EveryEventTypeOfEveryVersionHasASchemaAndEverySchemaAType) {
  std::set<std::string> declared;
  for (const AggregateKind& k : all_kinds()) {
    ASSERT_FALSE(k.spec().events.empty()) << k.name();
    for (const EventSpec& e : k.spec().events) {
      ASSERT_EQ(e.upcasts.size(), static_cast<size_t>(e.version - 1))
          << k.name() << "." << e.name << ": one upcaster per older version";
      for (int v = 1; v <= e.version; ++v) {
        const std::string type = make_type(k.name(), e.name, v);
        declared.insert(type);
        EXPECT_TRUE(fs::exists(kSchemas / (type + ".json"))) << "no schema for " << type;
      }
    }
  }
  for (const auto& file : fs::directory_iterator(kSchemas))
    EXPECT_TRUE(declared.count(file.path().stem().string()))
        << file.path().filename() << " describes an event type no registered kind declares";
}

// Folds `events` through the typed state only, and through a JSON snapshot
// after every event (as the write side's store does): the same bytes.
TEST(KindsTest, ExampleHistoriesFoldTheSameThroughTheTypedStateAndTheCodec) {
  for (const AggregateKind& k : all_kinds()) {
    ASSERT_NE(k.spec().example, nullptr) << k.name() << " declares no example history";
    size_t events_seen = 0;
    std::set<std::string_view> names_seen;
    for (uint64_t seed = 0; seed < 300; ++seed) {
      const std::vector<Event> events = k.spec().example(seed);
      auto typed = k.spec().empty_state();
      std::string json;
      for (const Event& e : events) {
        const EventSpec* spec = k.event(e.name);
        ASSERT_NE(spec, nullptr) << k.name() << " emits undeclared event " << e.name;
        EXPECT_EQ(e.version, spec->version) << k.name() << "." << e.name << " is not written at its current version";
        names_seen.insert(spec->name);
        // The write path re-reads every event and refuses one whose bytes do
        // not come back the same: data must already be canonical JSON.
        simdjson::dom::parser parser;
        auto doc = parse_strict(parser, e.data);
        ASSERT_TRUE(doc.is_ok()) << k.name() << "." << e.name << ": " << e.data;
        std::string canonical;
        write_canonical(*doc, canonical);
        ASSERT_EQ(canonical, e.data) << k.name() << "." << e.name << " is not canonical JSON";
        ASSERT_TRUE(typed->apply("X-1", e)) << k.name() << "." << e.name;
        auto folded = fold(k, "X-1", json, e);
        ASSERT_TRUE(folded.is_ok()) << k.name() << "." << e.name << ": " << folded.status().to_string();
        json = std::move(folded).value();
        ASSERT_EQ(json, typed->to_json()) << k.name() << " seed " << seed;
        auto decoded = k.spec().state_from_json(json);
        ASSERT_TRUE(decoded.is_ok()) << k.name();
        ASSERT_EQ((*decoded)->to_json(), json) << k.name() << ": the codec does not round-trip";
        ++events_seen;
      }
    }
    EXPECT_GE(events_seen, 300u) << k.name() << ": the example histories are too short to test anything";
    EXPECT_GE(names_seen.size(), std::min<size_t>(2, k.spec().events.size()))
        << k.name() << ": the examples exercise too few of its events";
  }
}

// For kinds with deadlines: a deadline fired early changes nothing, and
// fired when due it leaves the index — or the one timer loop would fire it
// for ever.
TEST(KindsTest, ADeadlineFiredWhenDueLeavesTheIndexAndFiredEarlyDoesNothing) {
  size_t checked = 0;
  for (const AggregateKind& k : all_kinds()) {
    if (!k.spec().deadlines) continue;
    ASSERT_NE(k.spec().deadline_passed, nullptr) << k.name();
    for (uint64_t seed = 0; seed < 300; ++seed) {
      std::string json;
      for (const Event& e : k.spec().example(seed)) {
        auto folded = fold_with_deadlines(k, "X-1", json, e);
        ASSERT_TRUE(folded.is_ok());
        json = folded->state;
        for (const Deadline& d : folded->after) {
          Decision early = decide_deadline(k, "X-1", json, d, Timestamp{d.due.ms - 1});
          ASSERT_FALSE(rejected(early)) << k.name() << " " << d.name;
          EXPECT_TRUE(std::get<std::vector<Event>>(early).empty()) << k.name() << " " << d.name << " fired early";
          Decision due = decide_deadline(k, "X-1", json, d, d.due);
          ASSERT_FALSE(rejected(due)) << k.name() << " " << d.name;
          std::string after = json;
          std::vector<Deadline> left;
          for (Event ev : std::get<std::vector<Event>>(due)) {
            ev.time = d.due;
            auto next = fold_with_deadlines(k, "X-1", after, ev);
            ASSERT_TRUE(next.is_ok()) << next.status().to_string();
            after = next->state;
            left = next->after;
          }
          if (std::get<std::vector<Event>>(due).empty()) left = folded->after;
          EXPECT_EQ(std::count(left.begin(), left.end(), d), 0)
              << k.name() << " seed " << seed << ": deadline " << d.name << " is still waited for after it fired";
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100u) << "the example histories reach too few deadlines";
}

TEST(KindsTest, MasterKindsHaveACollectionAndKnownFieldsEach) {
  std::set<std::string_view> collections;
  for (const AggregateKind& k : all_kinds()) {
    if (!k.master()) continue;
    EXPECT_TRUE(collections.insert(k.master()->collection).second) << k.master()->collection;
    EXPECT_FALSE(k.master()->fields.empty()) << k.name();
    if (!k.master()->listed_by.empty()) {
      bool found = false;
      for (const FieldSpec& f : k.master()->fields) found |= f.name == k.master()->listed_by;
      EXPECT_TRUE(found) << k.name() << " is listed by a field it does not have";
    }
  }
}

}  // namespace
}  // namespace aftercare
