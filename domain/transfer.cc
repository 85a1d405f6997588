#include "domain/transfer.h"

#include <algorithm>

#include "domain/body.h"
#include "domain/json.h"
#include "domain/master_data.h"

namespace aftercare {

std::string_view line_status_name(LineStatus s) {
  switch (s) {
    case LineStatus::requested: return "requested";
    case LineStatus::in_transit: return "in_transit";
    case LineStatus::refused: return "refused";
    case LineStatus::received: return "received";
  }
  return "requested";
}

namespace {

std::optional<LineStatus> line_status_from(std::string_view n) {
  for (LineStatus s : {LineStatus::requested, LineStatus::in_transit, LineStatus::refused, LineStatus::received})
    if (line_status_name(s) == n) return s;
  return std::nullopt;
}

Rejection conflict(std::string message, const TransferState& s) {
  return Rejection{Errc::conflict, std::move(message), s.status()};
}

TransferLine* line_of(TransferState& s, std::string_view part) {
  for (TransferLine& l : s.lines)
    if (l.part_no == part) return &l;
  return nullptr;
}

}  // namespace

std::string TransferState::status() const {
  if (received) return "received";
  bool pending = false, shipped = false;
  for (const TransferLine& l : lines) {
    pending = pending || l.status == LineStatus::requested;
    shipped = shipped || l.status == LineStatus::in_transit;
  }
  if (pending) return "requested";
  return shipped ? "in_transit" : "refused";
}

Decision decide_transfer(const TransferState& s, const TransferCommand& c, Timestamp now) {
  return std::visit(
      [&](const auto& cmd) -> Decision {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, RequestTransfer>) {
          if (s.exists) return conflict("transfer " + s.id + " exists already", s);
          if (cmd.from == cmd.to) return Rejection{Errc::unprocessable, "\"from\" and \"to\" are the same warehouse", ""};
          if (cmd.lines.empty()) return Rejection{Errc::unprocessable, "a transfer needs at least one line", ""};
          JsonWriter w;
          w.begin_object().field("transfer_id", cmd.id).field("from", cmd.from).field("to", cmd.to);
          w.field("reference", cmd.reference).key("lines").begin_array();
          for (const auto& [part, qty] : cmd.lines) w.begin_object().field("part_no", part).field_int("qty", qty).end_object();
          w.end_array().end_object();
          return std::vector<Event>{Event{"requested", 1, w.take(), now}};
        } else if constexpr (std::is_same_v<T, LineShipped> || std::is_same_v<T, LineRefused>) {
          TransferState copy = s;
          TransferLine* l = line_of(copy, cmd.part_no);
          if (!s.exists || !l) return Rejection{Errc::not_found, "transfer has no line for " + cmd.part_no, ""};
          if (l->status != LineStatus::requested) return std::vector<Event>{};  // answered once already
          JsonWriter w;
          w.begin_object().field("part_no", cmd.part_no);
          if constexpr (std::is_same_v<T, LineRefused>) w.field("note", cmd.note);
          w.end_object();
          return std::vector<Event>{Event{std::is_same_v<T, LineShipped> ? "line_shipped" : "line_refused", 1, w.take(), now}};
        } else {
          static_assert(std::is_same_v<T, ReceiveTransfer>);
          if (!s.exists) return Rejection{Errc::not_found, "no such transfer", ""};
          if (s.status() != "in_transit")
            return conflict("transfer " + s.id + " is " + s.status() + ": only a transfer in transit can be received", s);
          JsonWriter w;
          w.begin_object().field("to", s.to).key("lines").begin_array();
          for (const TransferLine& l : s.lines)
            if (l.status == LineStatus::in_transit) w.begin_object().field("part_no", l.part_no).field_int("qty", l.qty).end_object();
          w.end_array().end_object();
          return std::vector<Event>{Event{"received", 1, w.take(), now}};
        }
      },
      c);
}

Status apply_transfer(TransferState& s, const Event& e) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, e.data);
  if (!root) return {Errc::corruption, "transfer: " + root.status().message()};
  Fields f(*root);
  if (e.name == "requested") {
    s.exists = true;
    s.id = f.str("transfer_id");
    s.from = f.str("from");
    s.to = f.str("to");
    s.reference = f.str("reference");
    s.requested_at = e.time;
    simdjson::dom::array lines;
    if ((*root)["lines"].get_array().get(lines)) return {Errc::corruption, "transfer: no lines"};
    for (auto line : lines) {
      Fields lf(line);
      s.lines.push_back(TransferLine{lf.str("part_no"), lf.integer("qty"), LineStatus::requested, ""});
      if (!lf.ok()) return {Errc::corruption, "transfer: a malformed line"};
    }
  } else if (e.name == "line_shipped" || e.name == "line_refused") {
    TransferLine* l = line_of(s, f.str("part_no"));
    if (!l || l->status != LineStatus::requested) return {Errc::corruption, "transfer: a line answered twice"};
    l->status = e.name == "line_shipped" ? LineStatus::in_transit : LineStatus::refused;
    if (e.name == "line_refused") l->note = f.str("note");
  } else if (e.name == "received") {
    if (s.status() != "in_transit") return {Errc::corruption, "transfer: received when not in transit"};
    for (TransferLine& l : s.lines)
      if (l.status == LineStatus::in_transit) l.status = LineStatus::received;
    s.received = true;
  } else {
    return {Errc::corruption, "transfer: unknown event " + e.name};
  }
  if (!f.ok()) return {Errc::corruption, "transfer: malformed " + e.name};
  s.updated_at = e.time;
  return Status::ok();
}

std::string transfer_to_json(const TransferState& s) {
  JsonWriter w;
  w.begin_object().field("id", s.id).field("status", s.status()).field("from", s.from).field("to", s.to);
  w.field("reference", s.reference).key("lines").begin_array();
  for (const TransferLine& l : s.lines) {
    w.begin_object().field("part_no", l.part_no).field_int("qty", l.qty).field("status", line_status_name(l.status));
    w.key("note");
    if (l.note.empty()) w.null();
    else w.string(l.note);
    w.end_object();
  }
  w.end_array().field("requested_at", format_rfc3339(s.requested_at)).field("updated_at", format_rfc3339(s.updated_at));
  return w.end_object().take();
}

Result<TransferState> transfer_from_json(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  if (!root) return Status{Errc::corruption, "transfer state: " + root.status().message()};
  Fields f(*root);
  TransferState s;
  s.exists = true;
  s.id = f.str("id");
  s.from = f.str("from");
  s.to = f.str("to");
  s.reference = f.str("reference");
  s.received = f.str("status") == "received";
  simdjson::dom::array lines;
  if ((*root)["lines"].get_array().get(lines)) return Status{Errc::corruption, "transfer state: no lines"};
  for (auto line : lines) {
    Fields lf(line);
    TransferLine l{lf.str("part_no"), lf.integer("qty"), LineStatus::requested, lf.str("note")};
    auto st = line_status_from(lf.str("status"));
    if (!lf.ok() || !st) return Status{Errc::corruption, "transfer state: a malformed line"};
    l.status = *st;
    s.lines.push_back(std::move(l));
  }
  auto requested = f.time("requested_at"), updated = f.time("updated_at");
  if (!f.ok() || !requested || !updated) return Status{Errc::corruption, "transfer state is malformed"};
  s.requested_at = *requested;
  s.updated_at = *updated;
  return s;
}

}  // namespace aftercare
