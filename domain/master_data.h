// Master data: records upserted whole (customers, engineers, installed
// units, products, ...), one registered kind each.
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
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

enum class FieldType {
  text, long_text, time, boolean, text_list, enumeration, count,
  location,      // {"lat": -90..90, "lon": -180..180}, kept to 6 decimals (about 0.1 m)
  money_by_key,  // {"<one of allowed>": <integer minor units>, ...}: docs/money.md
  money,         // an integer amount in minor units: docs/money.md
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required;
  std::vector<std::string_view> allowed = {};  // enumeration: the values; money_by_key: the keys
};

// A status a master record moves through by actions of its own (outlets:
// pending -> certified <-> suspended -> revoked), each an event with its
// reason: POST /v1/<collection>/{id}/<action> {"reason"}.
struct LifecycleAction {
  std::string_view action;                // "certify": the path's last segment
  std::string_view event;                 // "certified": the event it writes
  std::string_view to;                    // the status after it
  std::vector<std::string_view> from;     // the statuses it may start from
};
struct Lifecycle {
  std::string_view initial;               // the status of a new record
  std::vector<LifecycleAction> actions;
};

// Who sees a master record (the access policy, api/access.h, applies it).
enum class Visibility {
  as_customer,      // its "region" field; engineer tokens: the customers they have work for
  as_engineer,      // its "region" field; engineer tokens: their own record only
  through_customer, // its customer's (field "customer_id", which must name a visible customer)
  everyone,         // a catalogue every token may read
  by_region,        // its "region" field, for every role (outlets, warehouses)
};

// A kind of master record: its HTTP collection and its fields. The kind's
// events are `registered` and `updated` (kMasterEvents) on aftercare.master.
struct MasterSpec {
  std::string_view collection;  // "customers": GET/PUT /v1/customers/{id}
  std::string_view id_name;     // the path parameter's name in the API documents: "id", "model"
  std::string_view summary;     // one line for the API document
  std::vector<FieldSpec> fields;
  Visibility visibility;
  // A field naming another record by which the records are listed: rows
  // "<collection>/<that id>/<id>" of the master view ("units/C-1/SN-7").
  std::string_view listed_by = {};
  // The version `registered` and `updated` are written at; older versions
  // read as the current one (fields are only ever added, optional).
  int version = 1;
  const Lifecycle* lifecycle = nullptr;
};

// The action of the kind's lifecycle named `action`, if any.
const LifecycleAction* lifecycle_action(const MasterSpec& spec, std::string_view action);

// KindSpec::example for a master kind: upserts of records of `spec`, with
// its lifecycle's actions in between.
std::vector<Event> master_example(const MasterSpec& spec, uint64_t seed);
KindSpec master_kind_spec_base(std::string_view name, const MasterSpec& spec);
std::unique_ptr<AggregateState> empty_master_state(const MasterSpec& spec);
Result<std::unique_ptr<AggregateState>> master_state_from_json(const MasterSpec& spec, std::string_view json);

// The KindSpec of a master record kind named `name` (domain/kind.h). A
// template on the spec because a KindSpec's factories are plain function
// pointers: `master_kind_spec<kProduct>("product")`.
template <const MasterSpec& Spec>
KindSpec master_kind_spec(std::string_view name) {
  KindSpec k = master_kind_spec_base(name, Spec);
  k.empty_state = [] { return empty_master_state(Spec); };
  k.state_from_json = [](std::string_view json) { return master_state_from_json(Spec, json); };
  k.example = [](uint64_t seed) { return master_example(Spec, seed); };
  return k;
}

// The master kinds of api.md.
AggregateKind customer_kind();
AggregateKind engineer_kind();
AggregateKind unit_kind();
// The master kinds of api-field.md.
AggregateKind product_kind();
AggregateKind outlet_kind();
AggregateKind warehouse_kind();
AggregateKind part_kind();

inline constexpr size_t kMaxIdBytes = 64;
inline constexpr size_t kMaxShortText = 256;
inline constexpr size_t kMaxLongText = 8 * 1024;
inline constexpr size_t kMaxListItems = 64;
inline constexpr int64_t kMaxCount = 1'000'000;  // FieldType::count
inline constexpr int64_t kMaxMoney = 1'000'000'000'000;  // minor units: ten billion in a currency of cents

// True for ids we accept: 1..64 bytes of [A-Za-z0-9._:-].
bool valid_id(std::string_view id);

struct MasterRecord {
  bool exists = false;
  std::string fields;  // the normalized record of the last upsert
  std::string status, status_reason;  // kinds with a Lifecycle: where it stands, and why
};

// Validates `body` against the kind's schema and returns the canonical
// record JSON (unknown fields dropped), or a rejection: unprocessable for a
// missing field, bad value or length; invalid_argument for a wrong type.
Result<std::string> normalize_master(const MasterSpec& spec, std::string_view id, simdjson::dom::element body);

// Emits `registered` for a new record, `updated` for a changed one, nothing
// for an identical one.
Decision decide_upsert(const MasterRecord& state, const std::string& normalized, Timestamp now, int version = 1);
// A lifecycle action with its reason (1..256 bytes): 404 for a record that
// does not exist, 409 with current_status from a status it cannot start from.
Decision decide_lifecycle(const MasterRecord& state, const LifecycleAction& action, std::string_view reason,
                          Timestamp now);

// A master record's state is its normalized fields plus "updated_at" (the
// time of its last event): what the read model shows. These two functions
// are the only ones that know that shape.
std::string master_state(std::string_view fields, Timestamp updated_at);
std::string master_state(const MasterRecord& record, Timestamp updated_at);
MasterRecord master_record(std::string_view state);
class AggregateState;
MasterRecord master_record(const AggregateState* state);  // null -> a record that does not exist

}  // namespace aftercare
