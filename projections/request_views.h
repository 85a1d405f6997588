// The read models of service requests.
//
// RequestsProjection ("requests"):
//   view/<id>                               -> the request view (api.md), a view row (view_row.h)
//   idx/<dim>/<value>/<newest-first>/<id>   -> ""   dims: all status type region customer engineer
//   ridx/<region>/<dim>/<value>/<newest-first>/<id> -> ""  the same, per region (scoped tokens)
//   open/<customer>/<region>                -> counter of the customer's open requests there
//   eopen/<engineer>/<customer>             -> counter of open requests assigned to the engineer
//   work/<engineer>/<customer>              -> counter of requests assigned to the engineer
// ProblemStatsProjection ("stats"):
//   p/<product model>/<problem code>/<yyyy-mm-dd>/<region> -> counter of requests opened (seed 002 §4)
// EventIndexProjection ("events"):
//   e/<subject>/<sequence, 16 hex>          -> "<topic>/<partition>@<offset>" (record_name)
//   k/<partition key>/<subject>             -> "" (the aggregates of a service case:
//                                              a request's id keys its dispatches and visits too)
//
// Values in keys are escaped ('/' and '%' as %2F, %25) so a region or a
// model name cannot break the key structure.
#pragma once

#include <optional>
#include <string>

#include "domain/request.h"
#include "projections/projection.h"

namespace aftercare {

std::string key_part(std::string_view value);
// The inverse of key_part(): the value a key part stands for.
std::string key_part_value(std::string_view part);
// "<16 hex>" that sorts newest first.
std::string newest_first(Timestamp t);
std::string hex16(uint64_t v);

class RequestsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "requests";
  std::string_view name() const override { return kName; }
  // 3: its deadline rows moved to the one deadline index (the write side's, commands/state_store.h).
  // 4: the request view shows the dispatch it follows and how many it has had.
  int version() const override { return 4; }
  std::vector<Topic> topics() const override { return {Topic::requests}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

class ProblemStatsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "stats";
  std::string_view name() const override { return kName; }
  int version() const override { return 2; }
  std::vector<Topic> topics() const override { return {Topic::requests}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

class EventIndexProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "events";
  std::string_view name() const override { return kName; }
  // 3: without the command index (the write side's, commands/state_store.h),
  //    with the case index k/, e/ rows naming records as record_name() does.
  int version() const override { return 3; }
  std::vector<Topic> topics() const override { return kind_topics(); }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

// The list-index dimensions a query can filter on.
inline constexpr std::string_view kIndexDims[] = {"status", "type", "region", "customer", "engineer"};

}  // namespace aftercare
