// ApiService: the HTTP API of api.md — routing, authentication, the access
// policy (api/access.h), and the mapping of outcomes to responses and
// problem+json.
//
// Every path it serves is a row of routes(): method, path pattern, the
// Operation the access policy checks, and the handler. Dispatch authenticates,
// checks the role for the row's operation, and only then runs the handler;
// a path with no row for the method gets 405 with Allow.
//
// It holds no state of its own: commands go to the CommandBus, queries read
// the ReadStore. Request handling never blocks an I/O thread: commands
// answer when their events are durable, X-Min-Position waits answer when
// the projections reach the position.
#pragma once

#include <functional>

#include <vector>

#include "api/access.h"
#include "api/http_server.h"
#include "api/tokens.h"
#include "base/clock.h"
#include "base/sealed.h"
#include "commands/state_store.h"
#include "commands/command_bus.h"
#include "commands/dispatch_process.h"
#include "domain/request.h"
#include "domain/stock.h"
#include "domain/visit.h"
#include "projections/read_store.h"
#include "projections/read_side.h"

namespace aftercare {

class WebhookManager;
class VisitProcess;

struct ApiDeps {
  EventLog& log;
  ReadStore& store;
  ReadSide& read_side;
  StateStore& state;  // the write side's (commands/state_store.h)
  CommandBus& bus;
  const Tokens& tokens;
  Clock& clock;
  // Runs a task on an I/O thread (HttpServer::post): a command's answer is
  // rendered there, not on the log's thread that acknowledged it. Unset: inline.
  std::function<void(std::function<void()>)> post = {};
  DispatchPlanner* planner = nullptr;  // dispatch decisions (commands/dispatch_process.h)
  WebhookManager* webhooks = nullptr;  // delivery and its progress (notify/webhooks.h)
  const Sealer* sealer = nullptr;      // seals webhook secrets (base/sealed.h)
  VisitProcess* visits = nullptr;      // opens a visit when its dispatch arrives (commands/visit_process.h)
  ChargingPolicy charging;             // the default charging method and labour rate (docs/charging.md)
};

// The master record kind served at /v1/<collection>, if any.
std::optional<AggregateKind> master_kind_of(std::string_view collection);

class ApiService final : public Handler {
 public:
  explicit ApiService(ApiDeps deps);
  void handle(HttpRequest request, Responder respond) override;

  struct Call;  // one request being answered (api/call.h)
  using CallPtr = std::shared_ptr<Call>;

  struct Route {
    http::verb method;
    std::string_view pattern;  // "/v1/requests/{id}/assign": {name} matches one segment
    Operation operation;
    std::string_view action;   // request actions: the action's name
    void (ApiService::*handler)(const CallPtr&);
  };
  // Every route served, in match order.
  static const std::vector<Route>& routes();

 private:
  void dispatch(const CallPtr& call);
  void healthz(const CallPtr& call);
  void readyz(const CallPtr& call);
  void metrics_text(const CallPtr& call);
  void openapi(const CallPtr& call);

  // Master data (master_routes.cc).
  void get_master(const CallPtr& call);
  void put_master(const CallPtr& call);
  void master_action(const CallPtr& call);  // a lifecycle action: certify, suspend, revoke
  Result<std::optional<std::string>> master_region(AggregateKind kind, const std::string& state);
  Result<bool> master_hidden(const Principal& principal, AggregateKind kind, const std::string& state);
  std::optional<Rejection> master_write_refused(const Principal& principal, AggregateKind kind,
                                                const std::string& normalized);
  void customer_history(const CallPtr& call);
  // The caller look-up (screen pop) and customers' portal tokens (portal_routes.cc).
  void lookup(const CallPtr& call);
  void whoami(const CallPtr& call);  // GET /v1/me: what the console shows this token
  void issue_portal_token(const CallPtr& call);
  // The console's and the portal's files, embedded in the binary (web/, static_routes.cc).
  void static_file(const CallPtr& call);

  // Dispatches and engineers in the field (dispatch_routes.cc).
  void dispatch_request(const CallPtr& call);  // POST /v1/requests/{id}/dispatch, and /assign
  void follow_then_answer(const CallPtr& call, const std::string& request_id, const std::string& dispatch_id,
                          const CommandContext& ctx, CommandOutcome offered);
  void dispatch_candidates(const CallPtr& call);
  void dispatch_action(const CallPtr& call);
  void get_dispatch(const CallPtr& call);
  void dispatch_events(const CallPtr& call);
  void list_dispatches(const CallPtr& call);
  void engineer_dispatches(const CallPtr& call);
  void report_status(const CallPtr& call);
  void engineers_board(const CallPtr& call);
  Result<std::optional<RequestState>> visible_request(const Principal& p, const std::string& id);
  Result<std::optional<std::string>> visible_dispatch_row(const Principal& p, const std::string& id);

  // Visits and settlement (visit_routes.cc).
  Result<VisitState> visible_visit(const Principal& p, const std::string& id);
  Result<Charge> visit_charge(const VisitState& v, int64_t work_minutes, Timestamp now);
  void get_visit(const CallPtr& call);
  void visit_parts(const CallPtr& call);
  void complete_visit(const CallPtr& call);
  void open_visit_then_answer(const CallPtr& call, const std::string& dispatch_id, const CommandContext& ctx,
                              CommandOutcome arrived);
  void request_visits(const CallPtr& call);
  void outlet_settlement(const CallPtr& call);
  // Parts reports (part_report_routes.cc).
  Result<int64_t> part_demand(const Principal& who, const std::string& part_no, const std::string& month);
  void part_demand_report(const CallPtr& call);
  void parts_abc(const CallPtr& call);
  void parts_hit_rate(const CallPtr& call);

  // Webhooks (webhook_routes.cc).
  void put_webhook(const CallPtr& call);
  void answer_webhook(const CallPtr& call, const std::string& id, CommandOutcome o);
  void get_webhook(const CallPtr& call);
  void list_webhooks(const CallPtr& call);
  void webhook_deliveries(const CallPtr& call);

  // The stock ledger (stock_routes.cc).
  struct StockLine {
    std::string warehouse_id, part_no;
    StockCommand command;
  };
  struct StockAnswer {
    std::string items;  // the items' views so far, comma-separated
    Position position;  // where their events landed
  };
  void stock_command(const CallPtr& call);  // receipts, counts, returns
  void run_stock_lines(const CallPtr& call, CommandContext ctx, std::shared_ptr<std::vector<StockLine>> lines, size_t i,
                       std::shared_ptr<StockAnswer> answer);
  void stock_policy(const CallPtr& call);
  void request_transfer(const CallPtr& call);
  void receive_transfer(const CallPtr& call);
  void get_transfer(const CallPtr& call);
  void get_stock_item(const CallPtr& call);
  void stock_movements(const CallPtr& call);
  void list_stock(const CallPtr& call);
  Result<bool> warehouse_for_command(const Principal& p, const std::string& id);
  Result<bool> warehouse_visible(const Principal& p, const std::string& id);

  // Service requests (request_routes.cc).
  void open_request(const CallPtr& call);
  void request_action(const CallPtr& call);
  void get_request(const CallPtr& call);
  void request_as_of(const CallPtr& call, const std::string& id, Timestamp as_of);
  void request_events(const CallPtr& call);
  void list_requests(const CallPtr& call);
  void problem_stats(const CallPtr& call);

  // Runs `then` once the read models reach the call's X-Min-Position (or at once).
  void after_min_position(const CallPtr& call, std::function<void()> then);
  // Answers a command on aggregate `kind`/`id`: its problem, or the state
  // after it with ETag, X-Position and Location — for a retry whose
  // aggregate has moved on since, the state as of the original outcome.
  // Posts itself to an I/O thread first unless `on_io_thread`.
  void answer_command(const CallPtr& call, AggregateKind kind, const std::string& id, const std::string& location,
                      CommandOutcome o, bool on_io_thread = false);
  // 200/201 with `state` (its JSON), ETag, X-Position and Location.
  void reply_with_state(const CallPtr& call, const std::string& location, const CommandOutcome& o,
                        const std::string& state);
  // The state of a retried command's aggregate as of the outcome's version,
  // rebuilt from the events once the index has them.
  void original_state(const CallPtr& call, AggregateKind kind, const std::string& id,
                      const CommandOutcome& o, std::function<void(const std::string&)> respond);
  // The request's current view row, and the state it shows, if this token
  // may see it; nullopt when it does not exist or may not be seen (both 404).
  struct RequestView {
    std::string row;
    RequestState state;
  };
  Result<std::optional<RequestView>> visible_request_view(const Principal& p, const std::string& id);
  // The command id (from Idempotency-Key when given), actor, correlation id,
  // If-Match and fingerprint of a command request.
  static Result<CommandContext> command_context(const Call& call);
  // The JSON body of a command ("{}" when empty). On a wrong content type
  // (415) or malformed JSON (400) it answers the call and returns nullopt.
  static std::optional<simdjson::dom::element> command_body(Call& call, simdjson::dom::parser& parser);

  ApiDeps d_;
  AccessPolicy access_;
};

}  // namespace aftercare
