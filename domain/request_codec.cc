// Decoding the JSON bodies of api.md's request commands, with the limits of
// api.md: wrong types are 400, missing fields, bad enums and lengths 422.
#include <algorithm>
#include <initializer_list>

#include "domain/master_data.h"
#include "domain/request.h"

namespace aftercare {
namespace {

// Reads fields of one JSON object; remembers the first problem.
class Body {
 public:
  explicit Body(simdjson::dom::element e) {
    if (e.get_object().get(obj_)) fail(Errc::invalid_argument, "the body must be a JSON object");
  }
  const Status& status() const { return status_; }

  std::optional<simdjson::dom::element> value(const char* k) {
    simdjson::dom::element v;
    if (!status_ || obj_.at_key(k).get(v) || v.is_null()) return std::nullopt;
    return v;
  }
  std::string text(const char* k, bool required, size_t max = kMaxShortText) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return {};
    }
    std::string_view s;
    if (v->get_string().get(s)) return type(k, "a string"), std::string();
    if (s.size() > max) fail(Errc::unprocessable, quote(k) + " is longer than " + std::to_string(max) + " bytes");
    else if (required && s.empty()) fail(Errc::unprocessable, quote(k) + " must not be empty");
    return std::string(s);
  }
  std::string id(const char* k, bool required) {
    std::string s = text(k, required, kMaxIdBytes);
    if (!s.empty() && !valid_id(s)) fail(Errc::unprocessable, quote(k) + " is not a valid id");
    return s;
  }
  std::string choice(const char* k, std::initializer_list<std::string_view> allowed, bool required,
                     std::string_view fallback = {}) {
    std::string s = text(k, required);
    if (s.empty() && !required) return std::string(fallback);
    if (status_ && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(Errc::unprocessable, quote(k) + " must be one of: " + list);
    }
    return s;
  }
  std::optional<Timestamp> time(const char* k, bool required) {
    std::string s = text(k, required);
    if (s.empty()) return std::nullopt;
    auto t = parse_rfc3339(s);
    if (!t) fail(Errc::unprocessable, quote(k) + " is not an RFC 3339 date-time");
    return t;
  }
  int64_t integer(const char* k, bool required, int64_t lo, int64_t hi) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return lo;
    }
    int64_t n = 0;
    if (v->get_int64().get(n)) return type(k, "an integer"), lo;
    if (n < lo || n > hi)
      fail(Errc::unprocessable, quote(k) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return n;
  }
  bool boolean(const char* k, bool required) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return false;
    }
    bool b = false;
    if (v->get_bool().get(b)) type(k, "true or false");
    return b;
  }
  std::optional<Body> object(const char* k, bool required) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return std::nullopt;
    }
    if (!v->is_object()) return type(k, "an object"), std::nullopt;
    return Body(*v);
  }
  void absorb(const Body& inner) {
    if (status_ && !inner.status_) status_ = inner.status_;
  }

 private:
  static std::string quote(const char* k) { return "\"" + std::string(k) + "\""; }
  void fail(Errc code, std::string message) {
    if (status_) status_ = Status{code, std::move(message)};
  }
  void missing(const char* k) { fail(Errc::unprocessable, quote(k) + " is required"); }
  void type(const char* k, const char* what) { fail(Errc::invalid_argument, quote(k) + " must be " + what); }

  simdjson::dom::object obj_;
  Status status_;
};

OpenRequest decode_open(Body& b) {
  OpenRequest c;
  c.customer_id = b.id("customer_id", true);
  c.channel = b.choice("channel", {"phone", "web", "email", "fax", "sms", "walk_in"}, true);
  c.type = b.choice("type", {"repair", "installation", "consultation", "complaint", "purchase"}, true);
  c.serial_no = b.id("serial_no", false);
  c.product_model = b.text("product_model", false);
  c.problem_code = b.text("problem_code", false);
  c.description = b.text("description", false, kMaxLongText);
  c.priority = b.choice("priority", {"low", "normal", "high", "urgent"}, false, "normal");
  c.region = b.text("region", false);
  c.required_by = b.time("required_by", false);
  c.suspended = b.boolean("suspended", false);
  if (auto complaint = b.object("complaint", c.type == "complaint")) {
    Complaint k;
    k.level = static_cast<int>(complaint->integer("level", true, 1, 3));
    k.handling_unit = complaint->text("handling_unit", true);
    k.respond_by = complaint->time("respond_by", true).value_or(Timestamp{});
    b.absorb(*complaint);
    if (c.type == "complaint") c.complaint = k;
  }
  return c;
}

RecordCallback decode_callback(Body& b) {
  RecordCallback c;
  c.satisfied = b.boolean("satisfied", true);
  if (auto s = b.object("scores", false)) {
    Scores sc;
    sc.attitude = static_cast<int>(s->integer("attitude", true, 1, 5));
    sc.skill = static_cast<int>(s->integer("skill", true, 1, 5));
    sc.timeliness = static_cast<int>(s->integer("timeliness", true, 1, 5));
    sc.resolution = static_cast<int>(s->integer("resolution", true, 1, 5));
    sc.parts_lead_time = static_cast<int>(s->integer("parts_lead_time", true, 1, 5));
    b.absorb(*s);
    c.scores = sc;
  }
  c.comment = b.text("comment", false, kMaxLongText);
  return c;
}

}  // namespace

Result<RequestCommand> decode_request_command(std::string_view action, simdjson::dom::element body) {
  Body b(body);
  RequestCommand cmd;
  if (action == "open") cmd = decode_open(b);
  else if (action == "assign") cmd = AssignRequest{b.id("engineer_id", true), b.text("note", false, kMaxLongText)};
  else if (action == "suspend") cmd = SuspendRequest{b.text("reason", true)};
  else if (action == "resume") cmd = ResumeRequest{};
  else if (action == "report") {
    ReportRequest r;
    r.outcome = b.choice("outcome", {"resolved", "unresolved", "not_attended"}, true);
    r.work_minutes = b.integer("work_minutes", false, 0, 100000);
    r.notes = b.text("notes", false, kMaxLongText);
    cmd = r;
  } else if (action == "resolve-remotely") cmd = ResolveRemotely{b.text("notes", false, kMaxLongText), b.text("article_id", false)};
  else if (action == "callback") cmd = decode_callback(b);
  else if (action == "unlock") cmd = UnlockRequest{b.choice("decision", {"reassign", "close"}, true), b.text("note", false, kMaxLongText)};
  else if (action == "cancel") cmd = CancelRequest{b.text("reason", true)};
  else return Status{Errc::not_found, "no such action \"" + std::string(action) + "\""};
  if (!b.status()) return b.status();
  return cmd;
}

}  // namespace aftercare
