#include "domain/charge.h"

#include <chrono>

#include "domain/body.h"

namespace aftercare {

Timestamp add_months(Timestamp t, int64_t months) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{t.ms}};
  const sys_days day = floor<days>(tp);
  const milliseconds into_day = tp - day;
  year_month_day ymd{day};
  year_month ym = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  const auto last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
  const year_month_day moved{ym.year(), ym.month(), ymd.day() > last ? last : ymd.day()};
  return Timestamp{duration_cast<milliseconds>((sys_days{moved} + into_day).time_since_epoch()).count()};
}

Charge charge_for(const ChargeInput& in) {
  Charge c;
  c.dispatch_type = in.dispatch_type;
  c.outlet_fee = in.outlet_fee;
  c.labour_minutes = in.work_minutes;
  if (!in.agreement_method.empty()) {
    c.method = in.agreement_method;
    c.basis = "agreement";
    c.detail = "agreement " + in.agreement_id + " charges " + in.agreement_method;
  } else if (in.warranty_until && in.now <= *in.warranty_until) {
    c.method = "warranty";
    c.basis = in.warranty_source == "product" ? "product_warranty" : "unit_warranty";
    c.detail = "unit " + in.serial_no + " is under warranty until " + format_rfc3339(*in.warranty_until);
  } else {
    c.method = in.policy.default_method;
    c.basis = "default";
    c.detail = in.warranty_until ? "unit " + in.serial_no + "'s warranty ended " + format_rfc3339(*in.warranty_until) +
                                       "; the default method applies"
                                 : "no warranty or agreement covers the visit; the default method applies";
  }
  c.labour_rate = in.agreement_labour_rate >= 0 ? in.agreement_labour_rate : in.policy.labour_rate;
  for (ChargedPart p : in.parts) {
    p.amount = p.unit_price * p.qty;
    c.parts_value += p.amount;
    c.parts.push_back(std::move(p));
  }
  if (c.method == "time_and_material") c.labour = (c.labour_rate * c.labour_minutes + 30) / 60;
  if (c.method != "warranty") c.parts_charged = c.parts_value;
  c.total = c.labour + c.parts_charged;
  return c;
}

void write_charge(JsonWriter& w, const Charge& c) {
  w.begin_object().field("method", c.method).field("basis", c.basis).field("detail", c.detail);
  w.field_int("labour_rate", c.labour_rate).field_int("labour_minutes", c.labour_minutes).field_int("labour", c.labour);
  w.key("parts").begin_array();
  for (const ChargedPart& p : c.parts)
    w.begin_object().field("part_no", p.part_no).field_int("qty", p.qty).field_int("unit_price", p.unit_price)
        .field_int("amount", p.amount).end_object();
  w.end_array();
  w.field_int("parts_value", c.parts_value).field_int("parts_charged", c.parts_charged).field_int("total", c.total);
  w.field("dispatch_type", c.dispatch_type).field_int("outlet_fee", c.outlet_fee).end_object();
}

Result<Charge> read_charge(simdjson::dom::element e) {
  Fields f(e);
  Charge c;
  c.method = f.str("method");
  c.basis = f.str("basis");
  c.detail = f.str("detail");
  c.labour_rate = f.integer("labour_rate");
  c.labour_minutes = f.integer("labour_minutes");
  c.labour = f.integer("labour");
  c.parts_value = f.integer("parts_value");
  c.parts_charged = f.integer("parts_charged");
  c.total = f.integer("total");
  c.dispatch_type = f.str("dispatch_type");
  c.outlet_fee = f.integer("outlet_fee");
  simdjson::dom::array parts;
  if (!f.ok() || e["parts"].get_array().get(parts)) return Status{Errc::corruption, "malformed charge"};
  for (auto p : parts) {
    Fields pf(p);
    ChargedPart cp{pf.str("part_no"), pf.integer("qty"), pf.integer("unit_price"), pf.integer("amount")};
    if (!pf.ok()) return Status{Errc::corruption, "malformed charged part"};
    c.parts.push_back(std::move(cp));
  }
  return c;
}

}  // namespace aftercare
