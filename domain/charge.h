// What a completed visit costs the customer and earns its outlet
// (api-field.md §Visits, "Charges"; product.md §7). Pure: the caller
// gathers the world at completion (the unit's warranty, part prices, the
// labour rate, the outlet's fee) into a ChargeInput, and the Charge it
// decides is stored in the visit's completed event — settlement and replay
// read it, never recompute it.
//
// Amounts are integers in minor units (docs/money.md). Labour is
// rate × minutes / 60, rounded half up to a minor unit.
//
// The rule, in order:
//   1. an agreement names a method (a later issue plugs it in here);
//   2. the unit is under warranty (its `warranty_until`, else installed_at
//      plus the product's `warranty_months`) → warranty: the customer pays 0;
//   3. otherwise the configured default method (docs/charging.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "domain/event.h"
#include "domain/json.h"
#include "domain/time.h"

namespace aftercare {

inline constexpr int64_t kMaxLabourRate = 100'000'000;  // minor units per hour

struct ChargedPart {
  std::string part_no;
  int64_t qty = 0, unit_price = 0, amount = 0;
  bool operator==(const ChargedPart&) const = default;
};

struct Charge {
  std::string method;  // warranty | parts_only | time_and_material
  std::string basis;   // agreement | unit_warranty | product_warranty | default
  std::string detail;  // a sentence a settlement clerk can check ("SN-1 is under warranty until ...")
  int64_t labour_rate = 0, labour_minutes = 0, labour = 0;
  std::vector<ChargedPart> parts;
  int64_t parts_value = 0;  // the parts at their prices, whoever pays
  int64_t parts_charged = 0;
  int64_t total = 0;  // what the customer pays: labour + parts_charged
  std::string dispatch_type;
  int64_t outlet_fee = 0;  // what the outlet earns for the visit (its fee_per_visit for the type)
  bool operator==(const Charge&) const = default;
};

// The service organisation's configuration until agreements exist.
struct ChargingPolicy {
  std::string default_method = "time_and_material";  // parts_only | time_and_material
  int64_t labour_rate = 12'000;                       // per hour: 120.00
};

struct ChargeInput {
  ChargingPolicy policy;
  std::string agreement_id, agreement_method;  // empty until agreements arrive
  int64_t agreement_labour_rate = -1;          // -1: the policy's
  std::optional<Timestamp> warranty_until;
  std::string warranty_source;  // "unit" | "product"
  std::string serial_no;
  int64_t work_minutes = 0;
  std::vector<ChargedPart> parts;  // part_no, qty, unit_price (amount is computed)
  std::string dispatch_type;
  int64_t outlet_fee = 0;
  Timestamp now;
};

Charge charge_for(const ChargeInput& in);

// `t` plus `months` calendar months (UTC; the day clamped to the month's last).
Timestamp add_months(Timestamp t, int64_t months);

void write_charge(JsonWriter& w, const Charge& c);
Result<Charge> read_charge(simdjson::dom::element e);

}  // namespace aftercare
