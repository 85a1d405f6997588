// ApiService: the HTTP API of api.md — routing, authentication, role and
// region rules, and the mapping of outcomes to responses and problem+json.
//
// It holds no state of its own: commands go to the CommandBus, queries read
// the ReadStore. Request handling never blocks an I/O thread: commands
// answer when their events are durable, X-Min-Position waits answer when
// the projections reach the position.
#pragma once

#include "api/http_server.h"
#include "api/tokens.h"
#include "base/clock.h"
#include "commands/aggregate_store.h"
#include "commands/command_bus.h"
#include "projections/read_store.h"
#include "projections/runner.h"

namespace aftercare {

struct ApiDeps {
  EventLog& log;
  ReadStore& store;
  ProjectionRunner& runner;
  AggregateStore& aggregates;
  CommandBus& bus;
  const Tokens& tokens;
  Clock& clock;
};

class ApiService final : public Handler {
 public:
  explicit ApiService(ApiDeps deps);
  void handle(HttpRequest request, Responder respond) override;

  struct Call;  // one request being answered (api/call.h)

 private:
  void route(const std::shared_ptr<Call>& call);
  void operations(const std::shared_ptr<Call>& call, std::string_view path);
  void master_data(const std::shared_ptr<Call>& call, std::string_view collection, std::string id);
  void put_master(const std::shared_ptr<Call>& call, std::string_view collection, std::string id);
  void get_master(const std::shared_ptr<Call>& call, std::string_view collection, std::string id);
  void readyz(const std::shared_ptr<Call>& call);

  // Service requests (request_routes.cc).
  void requests(const std::shared_ptr<Call>& call);
  void open_request(const std::shared_ptr<Call>& call);
  void request_action(const std::shared_ptr<Call>& call, const std::string& id, const std::string& action);
  void get_request(const std::shared_ptr<Call>& call, const std::string& id);
  void request_events(const std::shared_ptr<Call>& call, const std::string& id);
  void list_requests(const std::shared_ptr<Call>& call);
  void customer_history(const std::shared_ptr<Call>& call, const std::string& id);
  void problem_stats(const std::shared_ptr<Call>& call);
  // Runs `then` once the read models reach the call's X-Min-Position (or at once).
  void after_min_position(const std::shared_ptr<Call>& call, std::function<void()> then);
  void answer_command(const std::shared_ptr<Call>& call, const std::string& id, CommandOutcome o);
  // A retried command whose aggregate has moved on: its state as of the
  // outcome's version, rebuilt from the events once the index has them.
  void original_state(const std::shared_ptr<Call>& call, AggregateKind kind, const std::string& id,
                      const CommandOutcome& o, std::function<void(const std::string&)> respond);
  // The command id (from Idempotency-Key when given), actor, correlation id,
  // If-Match and fingerprint of a command request.
  static Result<CommandContext> command_context(const Call& call);
  // The JSON body of a command ("{}" when empty). On a wrong content type
  // (415) or malformed JSON (400) it answers the call and returns nullopt.
  static std::optional<simdjson::dom::element> command_body(Call& call, simdjson::dom::parser& parser);

  ApiDeps d_;
};

}  // namespace aftercare
