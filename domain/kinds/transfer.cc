// The stock transfer as a registered aggregate kind (domain/transfer.h).
#include "domain/transfer.h"

namespace aftercare {
namespace {

Status apply(TransferState& s, std::string_view, const Event& e) { return apply_transfer(s, e); }

using State = StateOf<TransferState, apply, transfer_to_json>;

std::vector<Event> example(uint64_t seed) {
  TransferState s;
  std::vector<Event> events;
  auto run = [&](const TransferCommand& c, int64_t minute) {
    auto d = decide_transfer(s, c, Timestamp{1'700'000'000'000 + minute * 60'000});
    if (rejected(d)) return;
    for (Event& e : std::get<std::vector<Event>>(d)) {
      (void)apply_transfer(s, e);
      events.push_back(std::move(e));
    }
  };
  const int lines = static_cast<int>(seed % 3) + 1;
  RequestTransfer r{"T-" + std::to_string(seed), "W-C", "W-VAN" + std::to_string(seed % 4), "ref " + std::to_string(seed), {}};
  for (int i = 0; i < lines; ++i) r.lines.emplace_back("P-" + std::to_string(i), static_cast<int64_t>(seed % 7) + 1);
  run(r, 0);
  for (int i = 0; i < lines; ++i) {
    if ((seed >> i) & 1) run(LineRefused{"P-" + std::to_string(i), "1 available"}, i + 1);
    else run(LineShipped{"P-" + std::to_string(i)}, i + 1);
  }
  if (seed % 2) run(ReceiveTransfer{}, 9);
  return events;
}

const KindSpec kSpec{
    .name = "transfer",
    .topic = "aftercare.parts",
    .events = {{"requested"}, {"line_shipped"}, {"line_refused"}, {"received"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      auto s = transfer_from_json(json);
      if (!s) return s.status();
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s).value()));
    },
    .partition_key = nullptr,
    .master = nullptr,
    .example = example,
};

}  // namespace

const TransferState& transfer_state(const AggregateState* state) {
  static const TransferState none;
  return state ? static_cast<const State*>(state)->value : none;
}

AggregateKind transfer_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
