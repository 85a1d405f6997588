// Spare parts (api-field.md §Master data): the catalogue the stock ledger,
// the charges and the part reports name. `price` is what a part costs a
// customer who pays for it, in minor units; a visit's charge stores the
// price it used (domain/charge.h), so a later change never alters it.
#include "domain/master_data.h"

namespace aftercare {
namespace {

const MasterSpec kPart{
    .collection = "parts",
    .id_name = "part_no",
    .summary = "A spare part: its name, price and ABC class",
    .fields = {{"name", FieldType::text, true},
               {"price", FieldType::money, true},
               {"unit", FieldType::text, false},
               {"abc_class", FieldType::enumeration, false, {"A", "B", "C"}}},
    .visibility = Visibility::everyone,
};

const KindSpec kKind = master_kind_spec<kPart>("part");

}  // namespace

AggregateKind part_kind() { return AggregateKind(kKind); }

}  // namespace aftercare
