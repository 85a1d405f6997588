// Service outlets of api-field.md: the certified partners whose engineers
// receive dispatches (seed 004: Haier's network). PUT /v1/outlets/{id};
// certification moves pending -> certified <-> suspended -> revoked only,
// each move an event with its reason. Visible by region to every role.
#include "domain/master_data.h"

namespace aftercare {
namespace {

const Lifecycle kCertification{
    .initial = "pending",
    .actions = {{"certify", "certified", "certified", {"pending", "suspended"}},
                {"suspend", "suspended", "suspended", {"certified"}},
                {"revoke", "revoked", "revoked", {"suspended"}}},
};

const MasterSpec kOutlet{
    .collection = "outlets",
    .id_name = "id",
    .summary = "A service outlet: a certified partner whose engineers receive dispatches",
    .fields = {{"name", FieldType::text, true},
               {"region", FieldType::text, true},
               {"location", FieldType::location, false},
               {"warehouse_id", FieldType::text, false},
               {"skills", FieldType::text_list, false},
               {"fee_per_visit", FieldType::money_by_key, false, {"on_site", "installation", "phone"}}},
    .visibility = Visibility::by_region,
    .lifecycle = &kCertification,
};

const KindSpec kKind = master_kind_spec<kOutlet>("outlet");

}  // namespace

AggregateKind outlet_kind() { return AggregateKind(kKind); }

}  // namespace aftercare
