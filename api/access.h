// The access policy: one place that says who may do what to which resource.
//
// Every route of the API (ApiService::routes()) names an Operation; the
// router checks the token's role against the table in access.cc before the
// route runs, so a new route cannot forget it. Resources are then visible
// to a token by region (tokens with `regions`) and by owning engineer
// (engineer tokens see the requests assigned to their engineer, those
// customers and units, and their own engineer record).
//
// What a token may not see answers exactly as what does not exist: 404 for
// the resource a path names, 422 "unknown …" for one a body refers to, and
// lists, counts and cursors are built from rows the token may see only.
// The role check (403) depends on the role alone and reveals nothing.
#pragma once

#include <string>
#include <string_view>

#include "api/tokens.h"
#include "domain/kind.h"
#include "domain/status.h"
#include "projections/read_store.h"

namespace aftercare {

enum class Operation {
  public_info,      // healthz, readyz, metrics, openapi.json: no token
  read_request,     // a request view, lists, the customer screen pop (customer tokens: their own)
  read_field,       // dispatches, visits, engineers, the caller look-up: staff only, not customer tokens
  issue_portal_token,  // a customer's portal token: agents, managers, admins
  read_history,     // a request's events and as-of views
  read_stats,       // problem statistics
  open_request,
  act_on_request,   // the actions; which role may run which is per action
  read_master,
  write_master,
  read_candidates,  // a request's dispatch candidates: not for engineer tokens
  act_on_dispatch,  // accept, decline, depart, arrive, finish, cancel
  report_status,    // an engineer's status: their own token, dispatchers, managers, admins
  manage_webhooks,  // webhooks and their delivery logs: admins only (they hear every region)
  move_stock,       // receipts, transfers, returns, counts, stock policy: warehouse clerks, managers, admins
  read_stock,       // stock levels and movements: not agents; engineers their van only
  read_settlement,  // an outlet's monthly settlement: managers, auditors, admins
};

std::string_view operation_name(Operation op);

// 403 unless the token's role may perform `op` (`action`: a request action's name).
Status role_allows(const Principal& p, Operation op, std::string_view action = {});

// A request is visible in its region, to an engineer when assigned to them,
// and to a customer token when it is that customer's (an empty
// `customer_id` is never a customer token's).
bool sees_request(const Principal& p, std::string_view region, std::string_view engineer_id,
                  std::string_view customer_id = {});

// Visibility of records, read from the read models. Each answers false for a
// record the token may not see; the caller answers as if it did not exist.
class AccessPolicy {
 public:
  explicit AccessPolicy(const ReadStore& store) : store_(store) {}

  // A customer in `region`: in the token's regions, and for an engineer one
  // they have (or had) a request assigned for.
  Result<bool> sees_customer(const Principal& p, std::string_view customer_id, std::string_view region) const;
  // An engineer record in `region`; engineer tokens see only their own.
  bool sees_engineer(const Principal& p, std::string_view engineer_id, std::string_view region) const;
  // A warehouse whose master view row is `row`: in the token's regions; for
  // an engineer token, only the van of its own engineer record.
  Result<bool> sees_warehouse(const Principal& p, std::string_view warehouse_id, std::string_view row) const;
  // A master record of `kind` whose view row is `row`, by its kind's
  // Visibility (domain/master_data.h).
  Result<bool> sees_master(const Principal& p, AggregateKind kind, std::string_view id, std::string_view row) const;

 private:
  const ReadStore& store_;
};

}  // namespace aftercare
