// The parts reports of api-field.md §Spare parts: monthly demand with a
// suggested plan, the ABC classes by consumption value, and the part hit
// rate of first visits. All read the `visits` read model's counters
// (projections/visit_views.h) and count only the regions the token sees.
#include <algorithm>
#include <cmath>

#include "api/call.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "projections/master_view.h"
#include "projections/request_views.h"
#include "projections/visit_views.h"

namespace aftercare {
namespace {

// "YYYY-MM" of `t`, and the month `back` months before it.
std::string month_before(Timestamp t, int back) {
  const std::string now = format_rfc3339(t);
  int y = std::stoi(now.substr(0, 4)), m = std::stoi(now.substr(5, 2)) - back;
  while (m < 1) m += 12, --y;
  char out[24];
  std::snprintf(out, sizeof out, "%04d-%02d", y, m);
  return out;
}

// `months` query parameter: 1..max, `fallback` when absent; nullopt when malformed.
std::optional<int> months_param(const Target& t, int fallback, int max) {
  const std::string v = query_value(t, "months");
  if (v.empty()) return fallback;
  if (v.size() > 2 || v.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int n = std::stoi(v);
  if (n < 1 || n > max) return std::nullopt;
  return n;
}

}  // namespace

// Parts issued to visits in `month` of `part_no`, in the regions `who` sees.
Result<int64_t> ApiService::part_demand(const Principal& who, const std::string& part_no, const std::string& month) {
  int64_t total = 0;
  const std::string prefix = demand_prefix(part_no, month);
  Status s = d_.store.visit(VisitViews::kName, prefix, "", [&](std::string_view key, std::string_view value) {
    if (who.sees_region(key_part_value(key.substr(prefix.size())))) total += decode_counter(value);
    return true;
  });
  if (!s) return s;
  return total;
}

// GET /v1/parts/{part_no}/demand?months=6: consumption per month, oldest
// first, the current month last (so far), and the plan: the moving average
// of the complete months before it, rounded up.
void ApiService::part_demand_report(const CallPtr& call) {
  auto months = months_param(call->target, 6, 36);
  if (!months) return call->fail(http::status::bad_request, "months must be 1..36");
  after_min_position(call, [this, call, n = *months] {
    const std::string& part_no = call->params[0];
    auto part = d_.store.get(MasterView::kName, std::string(part_kind().name()) + "/" + part_no);
    if (!part) return call->fail(part.status());
    if (!*part) return call->fail(http::status::not_found, "no such record in parts");
    const Timestamp now = d_.clock.now();
    JsonWriter w;
    w.begin_object().field("part_no", part_no).key("months").begin_array();
    int64_t complete = 0;
    for (int back = n; back >= 0; --back) {
      const std::string month = month_before(now, back);
      auto issued = part_demand(*call->principal, part_no, month);
      if (!issued) return call->fail(issued.status());
      if (back > 0) complete += *issued;
      w.begin_object().field("month", month).field_int("issued", *issued).field_bool("complete", back > 0).end_object();
    }
    const int64_t next = (complete + n - 1) / n;
    w.end_array().key("plan").begin_object().field("method", "moving average of the complete months, rounded up");
    w.field_int("over_months", n).field_int("issued", complete).field("for_month", month_before(now, -1));
    w.field_int("suggested", next).end_object();
    call->json(http::status::ok, w.end_object().take());
  });
}

// GET /v1/stats/parts-abc?months=12: every part issued in the last `months`
// months (the current one so far included) by consumption value (issued × its catalogue price now),
// classed A (the top 80% of the value), B (the next 15%), C (the rest).
void ApiService::parts_abc(const CallPtr& call) {
  auto months = months_param(call->target, 12, 36);
  if (!months) return call->fail(http::status::bad_request, "months must be 1..36");
  after_min_position(call, [this, call, n = *months] {
    const Principal& who = *call->principal;
    const Timestamp now = d_.clock.now();
    const std::string first = month_before(now, n - 1), last = month_before(now, 0);
    std::map<std::string, int64_t> issued;  // part (key part) -> quantity
    Status s = d_.store.visit(VisitViews::kName, "demand/", "", [&](std::string_view key, std::string_view value) {
      // demand/<part>/<month>/<region>
      const size_t a = key.find('/', 7), b = key.find('/', a + 1);
      const std::string_view month = key.substr(a + 1, b - a - 1);
      if (month < first || month > last || !who.sees_region(key_part_value(key.substr(b + 1)))) return true;
      issued[std::string(key.substr(7, a - 7))] += decode_counter(value);
      return true;
    });
    if (!s) return call->fail(s);
    struct Row {
      std::string part_no, configured;
      int64_t qty = 0, value = 0;
    };
    std::vector<Row> rows;
    int64_t total = 0;
    for (const auto& [key, qty] : issued) {
      Row r{key_part_value(key), "", qty, 0};
      auto record = d_.store.get(MasterView::kName, std::string(part_kind().name()) + "/" + r.part_no);
      if (!record) return call->fail(record.status());
      if (*record) {
        r.value = qty * int_member(**record, "price").value_or(0);
        r.configured = string_member(**record, "abc_class");
      }
      total += r.value;
      rows.push_back(std::move(r));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.value > y.value; });
    JsonWriter w;
    w.begin_object().field("from_month", first).field("to_month", last).field_int("total_value", total);
    w.key("items").begin_array();
    int64_t before = 0;  // the value of the parts ranked above
    for (const Row& r : rows) {
      // Classed by where the part starts in the cumulative value: a part that
      // begins inside the top 80% is A even if it crosses the line.
      const char* cls = total == 0 || before * 100 < total * 80 ? "A" : before * 100 < total * 95 ? "B" : "C";
      if (total == 0) cls = "C";
      w.begin_object().field("part_no", r.part_no).field_int("issued", r.qty).field_int("value", r.value);
      w.field("class", cls).key("configured_class");
      if (r.configured.empty()) w.null();
      else w.string(r.configured);
      w.end_object();
      before += r.value;
    }
    call->json(http::status::ok, w.end_array().end_object().take());
  });
}

// GET /v1/stats/parts-hit-rate?from=&to=: of the first visits completed in
// [from, to] (UTC days), those that had every part they needed on hand.
void ApiService::parts_hit_rate(const CallPtr& call) {
  const Target& t = call->target;
  const std::string from = query_value(t, "from"), to = query_value(t, "to");
  std::optional<Timestamp> from_t, to_t;
  if (!from.empty() && !(from_t = parse_rfc3339(from))) return call->fail(http::status::bad_request, "from must be an RFC 3339 date-time");
  if (!to.empty() && !(to_t = parse_rfc3339(to))) return call->fail(http::status::bad_request, "to must be an RFC 3339 date-time");
  const std::string from_day = from_t ? format_rfc3339(*from_t).substr(0, 10) : "0000-00-00";
  const std::string to_day = to_t ? format_rfc3339(*to_t).substr(0, 10) : "9999-99-99";
  after_min_position(call, [this, call, from_day, to_day] {
    const Principal& who = *call->principal;
    int64_t first = 0, hit = 0;
    Status s = d_.store.visit(VisitViews::kName, "hit/", "", [&](std::string_view key, std::string_view value) {
      // hit/<region>/<day>/first|hit
      const size_t a = key.find('/', 4), b = key.find('/', a + 1);
      const std::string_view day = key.substr(a + 1, b - a - 1), what = key.substr(b + 1);
      if (day < from_day || day > to_day || !who.sees_region(key_part_value(key.substr(4, a - 4)))) return true;
      (what == "first" ? first : hit) += decode_counter(value);
      return true;
    });
    if (!s) return call->fail(s);
    JsonWriter w;
    w.begin_object().field_int("first_visits", first).field_int("with_every_part", hit).key("hit_rate");
    if (first == 0) w.null();
    else w.raw(format_double(std::round(1000.0 * static_cast<double>(hit) / static_cast<double>(first)) / 1000.0));
    w.end_object();
    call->json(http::status::ok, w.take());
  });
}

}  // namespace aftercare
