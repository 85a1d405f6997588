// Decoding the JSON bodies of api.md's request commands, with the limits of
// api.md: wrong types are 400, missing fields, bad enums and lengths 422.
#include <algorithm>
#include <initializer_list>

#include "domain/body.h"
#include "domain/master_data.h"
#include "domain/request.h"

namespace aftercare {
namespace {

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
  else if (action == "assign") cmd = AssignRequest{b.id("engineer_id", true), b.text("note", false, kMaxLongText), ""};
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
