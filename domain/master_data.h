// Master data: customers, engineers and installed units.
//
// Each record is upserted whole (PUT). The first upsert emits
// `<kind>.registered`, a changed one `<kind>.updated`, an identical one
// nothing. Fields are validated against a small per-kind schema; the
// record's canonical JSON is both the event data and the state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "domain/event.h"
#include "domain/time.h"

namespace aftercare {

enum class MasterKind { customer, engineer, unit };

std::string_view kind_name(MasterKind k);  // "customer", "engineer", "unit"

enum class FieldType { text, long_text, time, boolean, text_list, enumeration };

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required;
  std::vector<std::string_view> allowed = {};  // for enumeration
};

const std::vector<FieldSpec>& master_schema(MasterKind k);

inline constexpr size_t kMaxIdBytes = 64;
inline constexpr size_t kMaxShortText = 256;
inline constexpr size_t kMaxLongText = 8 * 1024;
inline constexpr size_t kMaxListItems = 64;

// True for ids we accept: 1..64 bytes of [A-Za-z0-9._:-].
bool valid_id(std::string_view id);

struct MasterRecord {
  bool exists = false;
  std::string fields;  // the normalized record of the last upsert
};

// Validates `body` against the kind's schema and returns the canonical
// record JSON (unknown fields dropped), or a rejection: unprocessable for a
// missing field, bad value or length; invalid_argument for a wrong type.
Result<std::string> normalize_master(MasterKind k, std::string_view id, simdjson::dom::element body);

// Emits `registered` for a new record, `updated` for a changed one, nothing
// for an identical one.
Decision decide_upsert(const MasterRecord& state, const std::string& normalized, Timestamp now);

// A master record's state is its normalized fields plus "updated_at" (the
// time of its last event): what the read model shows. These two functions
// are the only ones that know that shape.
std::string master_state(std::string_view fields, Timestamp updated_at);
MasterRecord master_record(std::string_view state);  // "" -> a record that does not exist

}  // namespace aftercare
