// `command`: a refused command sent with an Idempotency-Key. Its aggregate
// is command/<command id> with one event, `refused`, which records the
// answer every retry gets (docs/architecture.md, "Refusals").
#include "domain/kind.h"

namespace aftercare {
namespace {

struct Refusal {
  std::string data;  // "" until refused
};

Status apply(Refusal& s, std::string_view, const Event& e) {
  if (e.name != "refused" || !s.data.empty())
    return Status{Errc::corruption, "a command records one refusal, not " + e.name};
  s.data = e.data;
  return Status::ok();
}

std::string to_json(const Refusal& s) { return s.data; }

using State = StateOf<Refusal, apply, to_json>;

const KindSpec kSpec{
    .name = "command",
    .topic = "aftercare.commands",
    .events = {{"refused"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      return std::unique_ptr<AggregateState>(std::make_unique<State>(Refusal{std::string(json)}));
    },
    .partition_key = nullptr,
    .master = nullptr,
    .example = [](uint64_t seed) {
      const char* statuses[] = {"conflict", "not_found", "precondition_failed", "unprocessable"};
      return std::vector<Event>{Event{"refused", 1,
                                      std::string(R"({"target":"request/R-1","status":")") + statuses[seed % 4] +
                                          R"(","detail":"no","current_status":""})",
                                      Timestamp{1'700'000'000'000}}};
    },
};

}  // namespace

AggregateKind command_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
