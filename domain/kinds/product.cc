// The product catalogue of api-field.md: PUT /v1/products/{model}. Every
// token may read it (it names no customer and no region); admins write it.
// Dispatch reads required_skill, charging reads warranty_months.
#include "domain/master_data.h"

namespace aftercare {
namespace {

const MasterSpec kProduct{
    .collection = "products",
    .id_name = "model",
    .summary = "A product model of the catalogue",
    .fields = {{"name", FieldType::text, true},
               {"category", FieldType::text, true},
               {"required_skill", FieldType::text, false},
               {"warranty_months", FieldType::count, true}},
    .visibility = Visibility::everyone,
};

const KindSpec kKind = master_kind_spec<kProduct>("product");

}  // namespace

AggregateKind product_kind() { return AggregateKind(kKind); }

}  // namespace aftercare
