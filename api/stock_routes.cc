// The stock ledger's endpoints (api-field.md §Spare parts): receipts,
// counts, defective returns and stock policy as commands on stock items;
// stock levels and movements from the "stock" read model.
//
// A receipt or a count of several lines is one command per line, each with
// a command id derived from the request's (its Idempotency-Key when given):
// a retry with the same key completes the lines that had not landed and
// answers the rest as before; it never moves a line twice.
//
// Who: stock commands need a warehouse, manager or admin token (the role
// table); the warehouse must exist and lie in the token's regions, or it is
// answered as unknown (422 for a body, 404 for a path). Reads: every role
// but agents; an engineer sees only their own van.
#include <charconv>

#include "api/call.h"
#include "base/ids.h"
#include "domain/body.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/stock.h"
#include "domain/transfer.h"
#include "projections/master_view.h"
#include "projections/request_views.h"
#include "projections/stock_views.h"
#include "projections/view_row.h"

namespace aftercare {
namespace {

constexpr size_t kMaxLines = 100;


Status unknown_warehouse(std::string_view id) {
  return {Errc::unprocessable, "unknown warehouse \"" + std::string(id.substr(0, kMaxIdBytes)) + "\""};
}

// The lines of a receipt or count: [{"part_no", <number field>}], 1..100, each part once.
Result<std::vector<std::pair<std::string, int64_t>>> decode_lines(simdjson::dom::element body, const char* number,
                                                                  int64_t lo, int64_t hi) {
  simdjson::dom::array lines;
  simdjson::dom::element v;
  if (body["lines"].get(v)) return Status{Errc::unprocessable, "\"lines\" is required"};
  if (v.get_array().get(lines)) return Status{Errc::invalid_argument, "\"lines\" must be an array"};
  std::vector<std::pair<std::string, int64_t>> out;
  for (auto line : lines) {
    Body b(line);
    std::string part = b.id("part_no", true);
    const int64_t n = b.integer(number, true, lo, hi);
    if (!b.status()) return Status{b.status().code(), "lines[" + std::to_string(out.size()) + "]: " + b.status().message()};
    for (const auto& [p, q] : out)
      if (p == part) return Status{Errc::unprocessable, "part " + part + " is on two lines: put it on one"};
    out.emplace_back(std::move(part), n);
  }
  if (out.empty() || out.size() > kMaxLines) return Status{Errc::unprocessable, "\"lines\" must hold 1 to 100 lines"};
  return out;
}

}  // namespace

// The warehouse `id` as the write side holds it, if this token may move its stock.
Result<bool> ApiService::warehouse_for_command(const Principal& p, const std::string& id) {
  if (!valid_id(id)) return false;
  auto head = d_.state.load(warehouse_kind(), id);
  if (!head) return head.status();
  const MasterRecord r = master_record(head->state.get());
  return r.exists && p.sees_region(string_member(r.fields, "region"));
}

// The warehouse's master row, if this token may see its stock.
Result<bool> ApiService::warehouse_visible(const Principal& p, const std::string& id) {
  if (!valid_id(id)) return false;
  auto row = d_.store.get(MasterView::kName, std::string(warehouse_kind().name()) + "/" + id);
  if (!row) return row.status();
  if (!*row) return false;
  return access_.sees_warehouse(p, id, **row);
}

void ApiService::run_stock_lines(const CallPtr& call, CommandContext ctx, std::shared_ptr<std::vector<StockLine>> lines,
                                 size_t i, std::shared_ptr<StockAnswer> answer) {
  if (i == lines->size()) {
    HttpResponse res{http::status::ok, call->req.version()};
    res.set(http::field::content_type, "application/json");
    res.set("X-Position", answer->position.to_token());
    res.body() = "{\"items\":[" + answer->items + "]}";
    res.prepare_payload();
    return call->reply(std::move(res));
  }
  const StockLine& line = (*lines)[i];
  CommandContext line_ctx = ctx;
  // Line i of the command: its own id, derived, so a retry finds what landed.
  line_ctx.command_id = uuid_from_name("stock-line|" + ctx.command_id + "|" + std::to_string(i));
  line_ctx.derived_id = true;
  line_ctx.fingerprint = ctx.fingerprint + "|" + std::to_string(i);
  const std::string id = *stock_item_id(line.warehouse_id, line.part_no);
  d_.bus.execute(
      stock_kind(), id, std::move(line_ctx),
      [line](const AggregateHead& head, Timestamp now) {
        return decide_stock(stock_state(head.state.get()), line.warehouse_id, line.part_no, line.command, now);
      },
      [this, call, ctx, lines, i, answer, id](CommandOutcome o) {
        if (!o.status) {
          if (i > 0 || lines->size() > 1)
            o.status = Status{o.status.code(), "line " + std::to_string(i + 1) + " (" + (*lines)[i].part_no + "): " +
                                                   o.status.message() +
                                                   (i > 0 ? "; the lines before it are done, and a retry with the same "
                                                            "Idempotency-Key does not repeat them"
                                                          : "")};
          return call->fail(o.status);
        }
        std::string state;
        if (o.typed) {
          state = o.typed->to_json();
        } else {  // a retry whose item moved on since: its levels now
          auto head = d_.state.load(stock_kind(), id);
          if (!head) return call->fail(head.status());
          state = head->state_json();
          o.version = head->sequence;
        }
        if (!answer->items.empty()) answer->items.push_back(',');
        answer->items += view_json(state, o.version);
        for (const auto& [tp, next] : o.position.entries()) answer->position.advance(tp, next);
        run_stock_lines(call, ctx, lines, i + 1, answer);
      });
}

// POST /v1/stock/receipts, /counts, /returns: lines of one warehouse.
void ApiService::stock_command(const CallPtr& call) {
  const std::string_view what = call->route->action;
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  Body b(*body);
  const std::string warehouse_id = b.id("warehouse_id", true);
  auto lines = std::make_shared<std::vector<StockLine>>();
  if (what == "returns") {
    ReturnDefective r;
    const std::string part = b.id("part_no", true);
    r.serial_no = b.text("serial_no", true);
    r.visit_id = b.id("visit_id", false);
    r.reason = b.text("reason", true);
    if (!b.status()) return call->fail(b.status());
    lines->push_back({warehouse_id, part, r});
  } else {
    const std::string reference = what == "receipts" ? b.text("reference", false) : std::string();
    if (!b.status()) return call->fail(b.status());
    auto decoded = what == "receipts" ? decode_lines(*body, "qty", 1, kMaxStockQty)
                                      : decode_lines(*body, "counted", 0, kMaxStockQty * 1000);
    if (!decoded) return call->fail(decoded.status());
    for (auto& [part, n] : *decoded)
      lines->push_back({warehouse_id, part,
                        what == "receipts" ? StockCommand{ReceiveStock{n, reference}} : StockCommand{CountStock{n}}});
  }
  if (warehouse_id.find(':') != std::string::npos)
    return call->fail(Status{Errc::unprocessable, "warehouse ids holding ':' cannot hold stock (docs/consumers.md)"});
  for (const StockLine& l : *lines)
    if (!stock_item_id(l.warehouse_id, l.part_no))
      return call->fail(Status{Errc::unprocessable, "warehouse id and part number together must fit in 63 bytes"});
  auto visible = warehouse_for_command(*call->principal, warehouse_id);
  if (!visible) return call->fail(visible.status());
  if (!*visible) return call->fail(unknown_warehouse(warehouse_id));
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  if (ctx->expected_version)
    return call->fail(Status{Errc::invalid_argument, "If-Match is for one record; stock lines are checked by their quantities"});
  run_stock_lines(call, std::move(ctx).value(), lines, 0, std::make_shared<StockAnswer>());
}

// PUT /v1/stock/{warehouse_id}/{part_no}/policy {"safety_stock", "reorder_qty"}.
void ApiService::stock_policy(const CallPtr& call) {
  const std::string warehouse_id = call->params[0], part_no = call->params[1];
  auto visible = warehouse_for_command(*call->principal, warehouse_id);
  if (!visible) return call->fail(visible.status());
  if (!*visible) return call->fail(http::status::not_found, "no such warehouse");
  if (!stock_item_id(warehouse_id, part_no))
    return call->fail(http::status::unprocessable_entity, "not a part number this warehouse can hold");
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  Body b(*body);
  SetStockPolicy policy{b.integer("safety_stock", true, 0, kMaxStockQty), b.integer("reorder_qty", true, 0, kMaxStockQty)};
  if (!b.status()) return call->fail(b.status());
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  const std::string id = *stock_item_id(warehouse_id, part_no);
  d_.bus.execute(
      stock_kind(), id, std::move(ctx).value(),
      [warehouse_id, part_no, policy](const AggregateHead& head, Timestamp now) {
        return decide_stock(stock_state(head.state.get()), warehouse_id, part_no, policy, now);
      },
      [this, call, id, warehouse_id, part_no](CommandOutcome o) {
        answer_command(call, stock_kind(), id, "/v1/stock/" + warehouse_id + "/" + part_no, std::move(o));
      });
}

// GET /v1/stock/{warehouse_id}/{part_no}: the item with its newest movements.
void ApiService::get_stock_item(const CallPtr& call) {
  const std::string warehouse_id = call->params[0], part_no = call->params[1];
  after_min_position(call, [this, call, warehouse_id, part_no] {
    auto visible = warehouse_visible(*call->principal, warehouse_id);
    if (!visible) return call->fail(visible.status());
    auto row = *visible ? d_.store.get(StockViews::kName, stock_item_key(warehouse_id, part_no))
                        : Result<std::optional<std::string>>(std::optional<std::string>());
    if (!row) return call->fail(row.status());
    if (!*row) return call->fail(http::status::not_found, "no such stock item");
    std::string body = std::move(**row);
    body.pop_back();
    body += ",\"movements\":[";
    auto moves = d_.store.scan(StockViews::kName, stock_movements_prefix(warehouse_id, part_no), "", 20);
    if (!moves) return call->fail(moves.status());
    for (size_t i = 0; i < moves->size(); ++i) body += (i ? "," : "") + (*moves)[i].second;
    body += "]}";
    call->json(http::status::ok, std::move(body));
  });
}

// GET /v1/stock/{warehouse_id}/{part_no}/movements?cursor=&limit=: the whole history, newest first.
void ApiService::stock_movements(const CallPtr& call) {
  const std::string warehouse_id = call->params[0], part_no = call->params[1];
  auto limit = page_limit(call->target);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  const std::string cursor = query_value(call->target, "cursor");
  if (!cursor.empty() && (cursor.size() != 16 || cursor.find_first_not_of("0123456789abcdef") != std::string::npos))
    return call->fail(http::status::bad_request, "cursor must be the next_cursor of a page");
  after_min_position(call, [this, call, warehouse_id, part_no, n = *limit, cursor] {
    auto visible = warehouse_visible(*call->principal, warehouse_id);
    if (!visible) return call->fail(visible.status());
    auto item = *visible ? d_.store.get(StockViews::kName, stock_item_key(warehouse_id, part_no))
                         : Result<std::optional<std::string>>(std::optional<std::string>());
    if (!item) return call->fail(item.status());
    if (!*item) return call->fail(http::status::not_found, "no such stock item");
    const std::string prefix = stock_movements_prefix(warehouse_id, part_no);
    auto moves = d_.store.scan(StockViews::kName, prefix, cursor.empty() ? "" : prefix + cursor + "\x01", n + 1);
    if (!moves) return call->fail(moves.status());
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < std::min(n, moves->size()); ++i) body += (i ? "," : "") + (*moves)[i].second;
    body += "],\"next_cursor\":";
    if (moves->size() > n) append_json_string(body, (*moves)[n - 1].first.substr(prefix.size()));
    else body += "null";
    call->json(http::status::ok, body + "}");
  });
}

// GET /v1/stock?warehouse_id=&part_no=&below_safety=true: stock levels this token may see.
void ApiService::list_stock(const CallPtr& call) {
  const Target& t = call->target;
  auto limit = page_limit(t);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  const std::string warehouse_id = query_value(t, "warehouse_id"), part_no = query_value(t, "part_no"), cursor = query_value(t, "cursor");
  const std::string below = query_value(t, "below_safety");
  if (!below.empty() && below != "true" && below != "false")
    return call->fail(http::status::bad_request, "below_safety must be true or false");
  const std::string index = below == "true" ? "low/" : "item/";
  if (!cursor.empty() && !cursor.starts_with(index))
    return call->fail(http::status::bad_request, "cursor must be the next_cursor of a page");
  after_min_position(call, [=, this, n = *limit] {
    std::string prefix = index;
    if (!warehouse_id.empty()) prefix += key_part(warehouse_id) + "/";
    std::map<std::string, bool> seen;  // warehouse -> visible to this token
    std::string body = "{\"items\":[", last;
    size_t found = 0;
    Status read;
    auto row = [&](std::string_view key, std::string_view value) {
      const std::string_view rest = key.substr(index.size());
      const std::string w = key_part_value(rest.substr(0, rest.find('/')));
      auto known = seen.find(w);
      if (known == seen.end()) {
        auto v = warehouse_visible(*call->principal, w);
        if (!v) return read = v.status(), false;
        known = seen.emplace(w, *v).first;
      }
      if (!known->second) return true;
      std::string item(value);
      if (index == "low/") {  // the index row is empty: the item's view is elsewhere
        auto full = d_.store.get(StockViews::kName, "item/" + std::string(rest));
        if (!full) return read = full.status(), false;
        if (!*full) return true;
        item = std::move(**full);
      }
      if (!part_no.empty() && string_member(item, "part_no") != part_no) return true;
      if (found++) body.push_back(',');
      body += item;
      last = key;
      return found < n;
    };
    Status s = d_.store.visit(StockViews::kName, prefix, cursor.empty() ? "" : cursor + "\x01", row);
    if (!s) return call->fail(s);
    if (!read) return call->fail(read);
    body += "],\"next_cursor\":";
    if (found == n) append_json_string(body, last);
    else body += "null";
    call->json(http::status::ok, body + "}");
  });
}

}  // namespace aftercare

namespace aftercare {

// POST /v1/stock/transfers {"from", "to", "lines", "reference"}: refused with
// 409 when the source has less available than a line asks for (nothing is
// written); the goods then move through the transfer process manager.
void ApiService::request_transfer(const CallPtr& call) {
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  Body b(*body);
  RequestTransfer t;
  t.from = b.id("from", true);
  t.to = b.id("to", true);
  t.reference = b.text("reference", false);
  if (!b.status()) return call->fail(b.status());
  auto lines = decode_lines(*body, "qty", 1, kMaxStockQty);
  if (!lines) return call->fail(lines.status());
  t.lines = std::move(lines).value();
  if (t.from == t.to) return call->fail(http::status::unprocessable_entity, "\"from\" and \"to\" are the same warehouse");
  for (const std::string& w : {t.from, t.to}) {
    for (const auto& [part, qty] : t.lines)
      if (!stock_item_id(w, part))
        return call->fail(Status{Errc::unprocessable, "warehouse " + w + " cannot hold part " + part + " (ids holding ':' or over 63 bytes together)"});
    auto visible = warehouse_for_command(*call->principal, w);
    if (!visible) return call->fail(visible.status());
    if (!*visible) return call->fail(unknown_warehouse(w));
  }
  // Each line must be available at the source now; the process manager
  // records a line refused if the stock was taken meanwhile.
  for (const auto& [part, qty] : t.lines) {
    auto head = d_.state.load(stock_kind(), *stock_item_id(t.from, part));
    if (!head) return call->fail(head.status());
    const StockState& s = stock_state(head->state.get());
    if (qty > s.available())
      return call->fail(http::status::conflict, "shipping " + std::to_string(qty) + " of " + part + " at " + t.from +
                                                    " would leave it below zero: " + std::to_string(s.available()) + " available");
  }
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  t.id = "T-" + to_hex(sha256(ctx->derived_id ? ctx->command_id : random_uuid())).substr(0, 20);
  const std::string id = t.id;
  d_.bus.execute(
      transfer_kind(), id, std::move(ctx).value(),
      [t = std::move(t)](const AggregateHead& head, Timestamp now) {
        return decide_transfer(transfer_state(head.state.get()), t, now);
      },
      [this, call, id](CommandOutcome o) {
        answer_command(call, transfer_kind(), id, "/v1/stock/transfers/" + id, std::move(o));
      });
}

// POST /v1/stock/transfers/{id}/receive: at the destination (its region).
void ApiService::receive_transfer(const CallPtr& call) {
  const std::string id = call->params[0];
  auto head = d_.state.load(transfer_kind(), id);
  if (!head) return call->fail(head.status());
  const TransferState& t = transfer_state(head->state.get());
  auto visible = t.exists ? warehouse_for_command(*call->principal, t.to) : Result<bool>(false);
  if (!visible) return call->fail(visible.status());
  if (!*visible) return call->fail(http::status::not_found, "no such transfer");
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  if (!body->is_object()) return call->fail(http::status::bad_request, "the body must be a JSON object");
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  d_.bus.execute(
      transfer_kind(), id, std::move(ctx).value(),
      [](const AggregateHead& head, Timestamp now) {
        return decide_transfer(transfer_state(head.state.get()), ReceiveTransfer{}, now);
      },
      [this, call, id](CommandOutcome o) {
        answer_command(call, transfer_kind(), id, "/v1/stock/transfers/" + id, std::move(o));
      });
}

// GET /v1/stock/transfers/{id}: seen by whoever sees its source or destination.
void ApiService::get_transfer(const CallPtr& call) {
  const std::string id = call->params[0];
  after_min_position(call, [this, call, id] {
    auto row = d_.store.get(StockViews::kName, "transfer/" + key_part(id));
    if (!row) return call->fail(row.status());
    bool visible = false;
    if (*row)
      for (const char* end : {"from", "to"}) {
        auto v = warehouse_visible(*call->principal, string_member(**row, end));
        if (!v) return call->fail(v.status());
        visible = visible || *v;
      }
    if (!visible) return call->fail(http::status::not_found, "no such transfer");
    call->view(std::move(**row));
  });
}

}  // namespace aftercare
