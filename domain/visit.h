// The visit aggregate (api-field.md §Visits): what an engineer did on site
// for one dispatch — the parts used, the outcome, the customer's signature
// and the charge. Its events go to aftercare.visits keyed by the request, so
// a case's request, dispatch and visit events share a partition.
//
//   (dispatch arrived) ──▶ open ──parts_used*──▶ open ──complete──▶ completed
//
// A visit's id is its dispatch's id: a dispatch arrives once, so it has at
// most one visit, and the request's n-th dispatch and its visit read alike
// ("R-1.2"). The aggregate keys differ ("dispatch/R-1.2", "visit/R-1.2").
//
// Parts used are recorded first and issued from stock by a process manager
// (commands/visit_process.h): each line is `pending` until the stock item
// says `issued` or refused it (then `refused`, with the reason).
//
// The charge is decided when the visit completes, from the world at that
// moment (the unit's warranty, the part prices, the labour rate, the
// outlet's fee), and stored in the completed event: settlement and replay
// read it, never recompute it (domain/charge.h).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <simdjson.h>

#include "domain/charge.h"
#include "domain/dispatch.h"
#include "domain/event.h"
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

enum class VisitStatus { open, completed };

inline constexpr int64_t kMaxVisitPartLines = 100;
inline constexpr int64_t kMaxWorkMinutes = 100'000;

struct UsedPart {
  int64_t line = 0;  // 1, 2, ... in the order they were recorded
  std::string part_no, warehouse_id;
  int64_t qty = 0;
  std::vector<std::string> serials_installed, serials_removed;
  std::string issue = "pending";  // pending | issued | refused
  std::string refusal;            // why the stock refused it
  bool operator==(const UsedPart&) const = default;
};

struct VisitState {
  bool exists = false;
  std::string id, request_id, dispatch_id, engineer_id, outlet_id, region, customer_id, type;
  std::string serial_no, product_model;
  std::string parts_warehouse_id;  // where the dispatch's parts were reserved ("" when none)
  VisitStatus status = VisitStatus::open;
  std::vector<UsedPart> parts;
  std::string outcome, actual_problem_code, notes, signed_by;
  std::optional<Timestamp> signed_at;
  int64_t work_minutes = 0;
  std::vector<PartLine> parts_needed;  // needs_parts: what the next visit needs
  std::vector<std::string> parts_available;  // of those, the part numbers now available at the warehouse
  bool parts_ready = false;
  std::optional<Charge> charge;
  Timestamp opened_at, updated_at;
  std::optional<Timestamp> completed_at;
  bool operator==(const VisitState&) const = default;
};

std::string_view visit_status_name(VisitStatus s);
std::string visit_to_json(const VisitState& s);
Result<VisitState> visit_from_json(std::string_view json);

// --- commands -------------------------------------------------------------

// Issued when the dispatch arrives (by its process manager, or by the
// arrive route itself so that its answer can name the visit).
struct OpenVisit {
  std::string request_id, dispatch_id, engineer_id, outlet_id, region, customer_id, type;
  std::string serial_no, product_model, parts_warehouse_id;
};
struct UseParts {
  std::string part_no, warehouse_id;
  int64_t qty = 0;
  std::vector<std::string> serials_installed, serials_removed;
};
// The stock item's answer to a line's issue (a process manager's step).
struct SettleIssue {
  int64_t line = 0;
  bool issued = false;
  std::string refusal;
};
struct CompleteVisit {
  std::string outcome;  // fixed | not_fixed | needs_parts | no_fault_found
  int64_t work_minutes = 0;
  std::string actual_problem_code, notes, signed_by;
  std::optional<Timestamp> signed_at;
  std::vector<PartLine> parts_needed;
  Charge charge;  // decided by the caller from the world now (charge_for())
};
// A needed part is available at the parts warehouse (needs_parts).
struct NeededPartAvailable { std::string part_no; };

using VisitCommand = std::variant<OpenVisit, UseParts, SettleIssue, CompleteVisit, NeededPartAvailable>;

Decision decide_visit(const VisitState& s, const std::string& id, const VisitCommand& cmd, Timestamp now);
Status apply_visit(VisitState& s, std::string_view id, const Event& e);

// The bodies of POST /v1/visits/{id}/parts and /complete (without the charge).
Result<UseParts> decode_use_parts(simdjson::dom::element body);
Result<CompleteVisit> decode_complete_visit(simdjson::dom::element body);

// The request outcome a visit's outcome reports ("resolved", "unresolved"),
// "" for needs_parts (the request waits for parts instead).
std::string_view request_outcome_of(std::string_view visit_outcome);

class AggregateState;
const VisitState& visit_state(const AggregateState* state);
AggregateKind visit_kind();

}  // namespace aftercare
