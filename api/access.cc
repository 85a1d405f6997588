#include "api/access.h"

#include <algorithm>
#include <initializer_list>

#include "domain/json.h"
#include "domain/master_data.h"
#include "projections/master_view.h"
#include "projections/projection.h"
#include "projections/request_views.h"

namespace aftercare {
namespace {

bool role_in(const Principal& p, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), p.role) != roles.end();
}

// Who may run each request action (api.md → Roles). Managers and admins run every one.
bool may_act(const Principal& p, std::string_view action) {
  if (role_in(p, {Role::admin, Role::manager})) return true;
  if (action == "resolve-remotely" || action == "callback" || action == "cancel") return p.role == Role::agent;
  if (action == "suspend" || action == "resume") return role_in(p, {Role::agent, Role::dispatcher});
  if (action == "assign" || action == "dispatch") return p.role == Role::dispatcher;
  if (action == "report") return p.role == Role::engineer;
  return false;  // unlock: managers only
}

}  // namespace

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::public_info: return "public_info";
    case Operation::read_request: return "read_request";
    case Operation::read_field: return "read_field";
    case Operation::issue_portal_token: return "issue_portal_token";
    case Operation::read_history: return "read_history";
    case Operation::read_stats: return "read_stats";
    case Operation::open_request: return "open_request";
    case Operation::act_on_request: return "act_on_request";
    case Operation::read_master: return "read_master";
    case Operation::write_master: return "write_master";
    case Operation::read_candidates: return "read_candidates";
    case Operation::act_on_dispatch: return "act_on_dispatch";
    case Operation::report_status: return "report_status";
    case Operation::manage_webhooks: return "manage_webhooks";
    case Operation::move_stock: return "move_stock";
    case Operation::read_stock: return "read_stock";
    case Operation::read_settlement: return "read_settlement";
  }
  return "unknown";
}

// The role table (api.md → Roles).
Status role_allows(const Principal& p, Operation op, std::string_view action) {
  const std::string role(role_name(p.role));
  if (p.role == Role::customer) {
    // The portal's tokens: their own requests and history (their records and
    // units with it), and opening a request. Nothing else, not even the
    // master records of their own region: least privilege for a token that
    // lives in a customer's browser.
    if (op == Operation::public_info || op == Operation::read_request || op == Operation::open_request)
      return Status::ok();
    return {Errc::forbidden, "customer tokens may read their own requests and history, and open requests"};
  }
  switch (op) {
    case Operation::public_info:
    case Operation::read_request:
    case Operation::read_field:
    case Operation::read_master:
      return Status::ok();
    case Operation::issue_portal_token:
      if (role_in(p, {Role::agent, Role::manager, Role::admin})) return Status::ok();
      return {Errc::forbidden, "portal tokens are issued by agents, managers and admins"};
    case Operation::read_history:
      if (role_in(p, {Role::manager, Role::auditor, Role::admin})) return Status::ok();
      return {Errc::forbidden, "events and as-of views are for managers, auditors and admins"};
    case Operation::read_stats:
      // Statistics count requests of every engineer: not for engineer tokens.
      if (p.role != Role::engineer) return Status::ok();
      return {Errc::forbidden, "statistics are not for engineer tokens"};
    case Operation::open_request:
      if (role_in(p, {Role::agent, Role::manager, Role::admin})) return Status::ok();
      return {Errc::forbidden, "the " + role + " role may not open requests"};
    case Operation::act_on_request:
      if (may_act(p, action)) return Status::ok();
      return {Errc::forbidden, "the " + role + " role may not " + std::string(action)};
    case Operation::write_master:
      if (p.role == Role::admin) return Status::ok();
      return {Errc::forbidden, "only admin tokens may change master data"};
    case Operation::read_candidates:
      if (role_in(p, {Role::dispatcher, Role::manager, Role::admin, Role::agent, Role::auditor})) return Status::ok();
      return {Errc::forbidden, "dispatch candidates are not for engineer tokens"};
    case Operation::act_on_dispatch:
      // The engineer of the dispatch (checked against the dispatch), dispatchers, managers, admins.
      if (role_in(p, {Role::engineer, Role::dispatcher, Role::manager, Role::admin})) return Status::ok();
      return {Errc::forbidden, "the " + role + " role may not " + std::string(action) + " dispatches"};
    case Operation::report_status:
      if (role_in(p, {Role::engineer, Role::dispatcher, Role::manager, Role::admin})) return Status::ok();
      return {Errc::forbidden, "the " + role + " role may not report an engineer's status"};
    case Operation::move_stock:
      if (role_in(p, {Role::warehouse, Role::manager, Role::admin})) return Status::ok();
      return {Errc::forbidden, "stock movements are for warehouse, manager and admin tokens"};
    case Operation::read_stock:
      if (p.role != Role::agent) return Status::ok();
      return {Errc::forbidden, "stock levels are not for agent tokens"};
    case Operation::read_settlement:
      if (role_in(p, {Role::manager, Role::auditor, Role::admin})) return Status::ok();
      return {Errc::forbidden, "settlements are for managers, auditors and admins"};
    case Operation::manage_webhooks:
      if (p.role == Role::admin) return Status::ok();
      return {Errc::forbidden, "webhooks are for admin tokens: a webhook hears every region's events"};
  }
  return {Errc::forbidden, "not allowed"};
}

bool sees_request(const Principal& p, std::string_view region, std::string_view engineer_id,
                  std::string_view customer_id) {
  if (p.role == Role::customer) return !customer_id.empty() && customer_id == p.customer_id;
  if (!p.sees_region(region)) return false;
  return p.role != Role::engineer || engineer_id == p.engineer_id;
}

Result<bool> AccessPolicy::sees_customer(const Principal& p, std::string_view customer_id,
                                         std::string_view region) const {
  if (p.role == Role::customer) return customer_id == p.customer_id;
  if (!p.sees_region(region)) return false;
  if (p.role != Role::engineer) return true;
  auto row = store_.get(RequestsProjection::kName,
                        "work/" + key_part(p.engineer_id) + "/" + key_part(customer_id));
  if (!row) return row.status();
  return *row && decode_counter(**row) > 0;
}

bool AccessPolicy::sees_engineer(const Principal& p, std::string_view engineer_id, std::string_view region) const {
  if (p.role == Role::customer) return false;
  if (p.role == Role::engineer) return engineer_id == p.engineer_id;
  return p.sees_region(region);
}

Result<bool> AccessPolicy::sees_warehouse(const Principal& p, std::string_view warehouse_id,
                                          std::string_view row) const {
  if (p.role == Role::customer || !p.sees_region(string_member(row, "region"))) return false;
  if (p.role != Role::engineer) return true;
  auto engineer = store_.get(MasterView::kName, std::string(engineer_kind().name()) + "/" + p.engineer_id);
  if (!engineer) return engineer.status();
  return *engineer && string_member(**engineer, "van_warehouse_id") == warehouse_id;
}

Result<bool> AccessPolicy::sees_master(const Principal& p, AggregateKind kind, std::string_view id,
                                       std::string_view row) const {
  switch (kind.master()->visibility) {
    case Visibility::everyone: return true;
    case Visibility::by_region: return p.role != Role::customer && p.sees_region(string_member(row, "region"));
    case Visibility::as_customer: return sees_customer(p, id, string_member(row, "region"));
    case Visibility::as_engineer: return sees_engineer(p, id, string_member(row, "region"));
    case Visibility::through_customer: {
      const std::string customer_id = string_member(row, "customer_id");
      auto customer = store_.get(MasterView::kName, std::string(customer_kind().name()) + "/" + customer_id);
      if (!customer) return customer.status();
      if (!*customer) return false;
      return sees_customer(p, customer_id, string_member(**customer, "region"));
    }
  }
  return false;
}

}  // namespace aftercare
