// The master record kinds of api.md: customers, engineers, installed units.
#include "domain/master_data.h"

namespace aftercare {
namespace {

const MasterSpec kCustomer{
    .collection = "customers",
    .id_name = "id",
    .summary = "A customer: who owns units and calls for service",
    .fields = {{"name", FieldType::text, true},
               {"phone", FieldType::text, false},
               {"email", FieldType::text, false},
               {"address", FieldType::long_text, false},
               {"region", FieldType::text, true},
               {"tier", FieldType::enumeration, false, {"standard", "silver", "gold", "platinum"}},
               {"location", FieldType::location, false}},
    .visibility = Visibility::as_customer,
    .version = 2,  // v2 added "location" (dispatch measures distances from it)
};

const MasterSpec kEngineer{
    .collection = "engineers",
    .id_name = "id",
    .summary = "A service engineer",
    .fields = {{"name", FieldType::text, true},
               {"outlet_id", FieldType::text, false},
               {"region", FieldType::text, true},
               {"skills", FieldType::text_list, false},
               {"active", FieldType::boolean, true},
               {"location", FieldType::location, false},
               {"max_open_dispatches", FieldType::count, false},
               {"van_warehouse_id", FieldType::text, false}},
    .visibility = Visibility::as_engineer,
    .version = 2,  // v2 added "location", "max_open_dispatches" (absent: 8) and "van_warehouse_id"
};

const MasterSpec kUnit{
    .collection = "units",
    .id_name = "id",
    .summary = "An installed unit (by serial number), owned by a customer",
    .fields = {{"product_model", FieldType::text, true},
               {"customer_id", FieldType::text, true},
               {"installed_at", FieldType::time, false},
               {"warranty_until", FieldType::time, false}},
    .visibility = Visibility::through_customer,
    .listed_by = "customer_id",
};

const KindSpec kCustomerKind = master_kind_spec<kCustomer>("customer");
const KindSpec kEngineerKind = master_kind_spec<kEngineer>("engineer");
const KindSpec kUnitKind = master_kind_spec<kUnit>("unit");

}  // namespace

AggregateKind customer_kind() { return AggregateKind(kCustomerKind); }
AggregateKind engineer_kind() { return AggregateKind(kEngineerKind); }
AggregateKind unit_kind() { return AggregateKind(kUnitKind); }

}  // namespace aftercare
