// Stock locations of api-field.md: the central warehouse, an outlet's, an
// engineer's van. Their stock is the parts ledger's (aftercare.parts).
#include "domain/master_data.h"

namespace aftercare {
namespace {

const MasterSpec kWarehouse{
    .collection = "warehouses",
    .id_name = "id",
    .summary = "A warehouse: central, an outlet's, or an engineer's van",
    .fields = {{"name", FieldType::text, true},
               {"region", FieldType::text, true},
               {"kind", FieldType::enumeration, true, {"central", "outlet", "van"}}},
    .visibility = Visibility::by_region,
};

const KindSpec kKind = master_kind_spec<kWarehouse>("warehouse");

}  // namespace

AggregateKind warehouse_kind() { return AggregateKind(kKind); }

}  // namespace aftercare
