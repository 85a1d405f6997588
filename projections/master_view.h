// MasterView: the current record of every master record kind (a KindSpec
// with a MasterSpec: customers, engineers, units, products, ...), as
// GET /v1/<collection>/{id} returns it.
//
// Row "<kind>/<id>" -> the record's state and version (projections/view_row.h);
// for kinds listed by a field (MasterSpec::listed_by), row
// "<collection>/<owner>/<id>" -> "" ("units/<customer>/<serial>"); for records
// with a phone, "phone/<kind>/<its digits, last first>/<id>" -> "" (the
// caller look-up: a prefix of the reversed digits is a suffix of the number).
#pragma once

#include "projections/projection.h"

namespace aftercare {

// A phone number's digits, last first: the phone index's key part.
std::string phone_key_digits(std::string_view phone);

class MasterView final : public Projection {
 public:
  static constexpr std::string_view kName = "master";
  std::string_view name() const override { return kName; }
  int version() const override { return 2; }  // 2: the phone index
  std::vector<Topic> topics() const override { return {Topic::master}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

}  // namespace aftercare
