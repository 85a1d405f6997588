#include "api/openapi.h"

#include <initializer_list>
#include <string>

#include "domain/json.h"
#include "domain/master_data.h"

namespace aftercare {

namespace {

constexpr std::string_view kDocument = R"json({"openapi":"3.1.0",
"info":{"title":"aftercare","version":"1","description":"After-sales service platform: event-sourced command and query API. Every route goes through one access policy: the token's role (403), then its regions and, for engineer tokens, the engineer's own work; what a token may not see answers exactly as what does not exist (404, or 422 unknown for a reference in a body). HEAD is served wherever GET is. A command refused with an Idempotency-Key gives the same answer to every retry."},
"servers":[{"url":"http://127.0.0.1:8080"}],
"components":{
 "securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},
 "schemas":{
  "RequestView":{"type":"object","properties":{"id":{"type":"string"},"status":{"enum":["awaiting_assignment","suspended","assigned","locked","processed","closed","cancelled"]},"type":{"enum":["repair","installation","consultation","complaint","purchase"]},"channel":{"enum":["phone","web","email","fax","sms","walk_in"]},"customer_id":{"type":"string"},"serial_no":{"type":["string","null"]},"product_model":{"type":["string","null"]},"problem_code":{"type":["string","null"]},"priority":{"enum":["low","normal","high","urgent"]},"region":{"type":"string"},"description":{"type":"string"},"required_by":{"type":["string","null"],"format":"date-time"},"overdue":{"type":"boolean","description":"required_by passed while unresolved"},"attempts":{"type":"integer","description":"failed handling attempts; the second locks"},"engineer_id":{"type":["string","null"]},"lock_reason":{"enum":[null,"not_assigned_in_time","two_failed_attempts"]},"complaint":{"type":["object","null"],"properties":{"level":{"type":"integer","minimum":1,"maximum":3},"handling_unit":{"type":"string"},"respond_by":{"type":"string","format":"date-time"},"overdue":{"type":"boolean"}}},"suspended_from":{"type":["string","null"]},"opened_at":{"type":"string","format":"date-time"},"updated_at":{"type":"string","format":"date-time"},"version":{"type":"integer"}}},
  "OpenRequest":{"type":"object","required":["customer_id","channel","type"],"properties":{"customer_id":{"type":"string","maxLength":64},"channel":{"enum":["phone","web","email","fax","sms","walk_in"]},"type":{"enum":["repair","installation","consultation","complaint","purchase"]},"serial_no":{"type":"string","maxLength":64,"description":"must be an installed unit of the customer"},"product_model":{"type":"string","maxLength":256,"description":"defaults to the unit's model"},"problem_code":{"type":"string","maxLength":256},"description":{"type":"string","maxLength":8192},"priority":{"enum":["low","normal","high","urgent"],"default":"normal"},"required_by":{"type":"string","format":"date-time"},"region":{"type":"string","maxLength":256,"description":"defaults to the customer's region"},"suspended":{"type":"boolean","default":false},"complaint":{"type":"object","description":"required when type is complaint","required":["level","handling_unit","respond_by"],"properties":{"level":{"type":"integer","minimum":1,"maximum":3},"handling_unit":{"type":"string"},"respond_by":{"type":"string","format":"date-time"}}}}},
  "RequestList":{"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/RequestView"}},"next_cursor":{"type":["string","null"]}}},
  "Problem":{"type":"object","required":["type","title","status","detail"],"properties":{"type":{"type":"string","description":"a URI naming the problem. 503 with https://aftercare.dev/problems/outcome-unknown: the command may or may not have been recorded (the log did not confirm in time, or the disk failed part-way); retry with the same Idempotency-Key to learn which. 503 with https://aftercare.dev/problems/unavailable: nothing was recorded."},"title":{"type":"string"},"status":{"type":"integer"},"detail":{"type":"string"},"current_status":{"type":"string"}}}
 },
 "parameters":{
  "IdempotencyKey":{"name":"Idempotency-Key","in":"header","schema":{"type":"string","maxLength":128},"description":"A retry with the same key and body returns the original response; the same key with another body is refused with 422."},
  "IfMatch":{"name":"If-Match","in":"header","schema":{"type":"string"},"description":"Reject with 412 unless the record is at this version (\"<version>\"); * means: only if it exists."},
  "MinPosition":{"name":"X-Min-Position","in":"header","schema":{"type":"string"},"description":"Wait (at most 5 s, else 504) until the read models have applied this position, as returned in X-Position."},
  "Id":{"name":"id","in":"path","required":true,"schema":{"type":"string","maxLength":64,"pattern":"^[A-Za-z0-9._:-]+$"}}
 },
 "headers":{
  "ETag":{"description":"the record's version, \"<version>\": send it back in If-Match","schema":{"type":"string"}},
  "X-Position":{"description":"the log position of the write: send it in X-Min-Position to read your own write","schema":{"type":"string"}},
  "Location":{"description":"the created record's path","schema":{"type":"string"}}
 },
 "responses":{
  "Problem":{"description":"An error","content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/Problem"}}}}
 }
},
"security":[{"bearer":[]}],
"paths":{
 "/v1/requests":{
  "get":{"summary":"List requests, newest first (region-scoped tokens see their regions; engineers their own)","parameters":[{"name":"status","in":"query","schema":{"type":"string"}},{"name":"type","in":"query","schema":{"type":"string"}},{"name":"region","in":"query","schema":{"type":"string"}},{"name":"customer_id","in":"query","schema":{"type":"string"}},{"name":"engineer_id","in":"query","schema":{"type":"string"}},{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"}},{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"a page","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestList"}}}},"400":{"$ref":"#/components/responses/Problem"}}},
  "post":{"summary":"Open a service request (agent, manager, admin)","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"}],"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenRequest"}}}},"responses":{"201":{"description":"opened; Location, ETag and X-Position are set","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}":{"parameters":[{"$ref":"#/components/parameters/Id"}],
  "get":{"summary":"The request view, or as it stood at as_of (managers, auditors, admins)","parameters":[{"name":"as_of","in":"query","schema":{"type":"string","format":"date-time"}},{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"the view","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"504":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/events":{"parameters":[{"$ref":"#/components/parameters/Id"}],
  "get":{"summary":"The request's events, in order, as CloudEvents envelopes, a page at a time (managers, auditors, admins)","parameters":[{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":500}},{"name":"cursor","in":"query","schema":{"type":"string"},"description":"next_cursor of the previous page"},{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"{\"items\": [envelope, ...], \"next_cursor\": string or null}"},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/assign":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"awaiting_assignment -> assigned (dispatcher, manager, admin); the engineer must be active","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["engineer_id"],"properties":{"engineer_id":{"type":"string"},"note":{"type":"string","maxLength":8192}}}}}},"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/suspend":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"awaiting_assignment or assigned -> suspended (agent, dispatcher, manager, admin)","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["reason"],"properties":{"reason":{"type":"string","maxLength":256}}}}}},"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/resume":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"suspended -> the state it was suspended from","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/report":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"assigned -> processed (resolved) or awaiting_assignment with attempts + 1; the second failure locks. Engineers report only on their own requests.","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["outcome"],"properties":{"outcome":{"enum":["resolved","unresolved","not_attended"]},"work_minutes":{"type":"integer","minimum":0},"notes":{"type":"string","maxLength":8192}}}}}},"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/resolve-remotely":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"awaiting_assignment -> processed (agent, manager, admin)","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"notes":{"type":"string","maxLength":8192},"article_id":{"type":"string"}}}}}},"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/callback":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"processed -> closed (satisfied) or awaiting_assignment (agent, manager, admin)","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["satisfied"],"properties":{"satisfied":{"type":"boolean"},"scores":{"type":"object","properties":{"attitude":{"type":"integer","minimum":1,"maximum":5},"skill":{"type":"integer","minimum":1,"maximum":5},"timeliness":{"type":"integer","minimum":1,"maximum":5},"resolution":{"type":"integer","minimum":1,"maximum":5},"parts_lead_time":{"type":"integer","minimum":1,"maximum":5}}},"comment":{"type":"string","maxLength":8192}}}}}},"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/unlock":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"locked -> awaiting_assignment (reassign) or closed (managers, admins)","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["decision"],"properties":{"decision":{"enum":["reassign","close"]},"note":{"type":"string","maxLength":8192}}}}}},"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/requests/{id}/cancel":{"parameters":[{"$ref":"#/components/parameters/Id"}],"post":{"summary":"any open state -> cancelled (agent, manager, admin)","parameters":[{"$ref":"#/components/parameters/IdempotencyKey"},{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["reason"],"properties":{"reason":{"type":"string","maxLength":256}}}}}},"responses":{"200":{"description":"the request view after the action","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RequestView"}}}},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"},"409":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/customers/{id}/history":{"parameters":[{"$ref":"#/components/parameters/Id"}],"get":{"summary":"Screen pop: the customer, their units, their requests (newest first) and open request count","parameters":[{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"{\"customer\":…, \"units\":[…], \"requests\":[…], \"open_requests\": n}"},"403":{"$ref":"#/components/responses/Problem"},"404":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/stats/problems":{"get":{"summary":"Requests opened by product model and problem code (UTC days from..to)","parameters":[{"name":"product_model","in":"query","schema":{"type":"string"}},{"name":"from","in":"query","schema":{"type":"string","format":"date-time"}},{"name":"to","in":"query","schema":{"type":"string","format":"date-time"}},{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"{\"items\":[{\"product_model\",\"problem_code\",\"count\"}]}"},"400":{"$ref":"#/components/responses/Problem"}}}},
 "/healthz":{"get":{"security":[],"summary":"The process is up","responses":{"200":{"description":"up"}}}},
 "/readyz":{"get":{"security":[],"summary":"The log is reachable and the projections caught up within 1 s","responses":{"200":{"description":"ready"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/metrics":{"get":{"security":[],"summary":"Prometheus metrics","responses":{"200":{"description":"text format 0.0.4","content":{"text/plain":{}}}}}},
 "/openapi.json":{"get":{"security":[],"summary":"This document","responses":{"200":{"description":"OpenAPI 3.1"}}}}
}})json";

// The JSON Schema of one master record field.
void field_schema(const FieldSpec& f, JsonWriter& w) {
  w.begin_object();
  switch (f.type) {
    case FieldType::text: w.field("type", "string").key("maxLength").integer(kMaxShortText); break;
    case FieldType::long_text: w.field("type", "string").key("maxLength").integer(kMaxLongText); break;
    case FieldType::time: w.field("type", "string").field("format", "date-time"); break;
    case FieldType::boolean: w.field("type", "boolean"); break;
    case FieldType::count:
      w.field("type", "integer").key("minimum").integer(0).key("maximum").integer(kMaxCount);
      break;
    case FieldType::text_list:
      w.field("type", "array").key("items").begin_object().field("type", "string");
      w.key("maxLength").integer(kMaxShortText).end_object().key("maxItems").integer(kMaxListItems);
      break;
    case FieldType::enumeration:
      w.key("enum").begin_array();
      for (auto a : f.allowed) w.string(a);
      w.end_array();
      break;
  }
  w.end_object();
}

// "customer" -> "Customer": the kind's schema name.
std::string schema_name(std::string_view kind) {
  std::string out(kind);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

void master_schema(const AggregateKind& kind, JsonWriter& w) {
  const MasterSpec& m = *kind.master();
  w.key(schema_name(kind.name())).begin_object().field("type", "object").field("description", m.summary);
  w.key("required").begin_array();
  for (const FieldSpec& f : m.fields)
    if (f.required) w.string(f.name);
  w.end_array().key("properties").begin_object();
  w.key("id").begin_object().field("type", "string").key("readOnly").boolean(true).end_object();
  for (const FieldSpec& f : m.fields) field_schema(f, w.key(f.name));
  w.key("version").begin_object().field("type", "integer").key("readOnly").boolean(true).end_object();
  w.key("updated_at").begin_object().field("type", "string").field("format", "date-time");
  w.key("readOnly").boolean(true).end_object();
  w.end_object().end_object();
}

void problems(JsonWriter& w, std::initializer_list<const char*> statuses) {
  for (const char* s : statuses) w.key(s).begin_object().field("$ref", "#/components/responses/Problem").end_object();
}

void record_response(JsonWriter& w, const char* status, const char* description, const std::string& schema,
                     std::initializer_list<const char*> headers) {
  w.key(status).begin_object().field("description", description);
  w.key("headers").begin_object();
  for (const char* h : headers) w.key(h).begin_object().field("$ref", std::string("#/components/headers/") + h).end_object();
  w.end_object();
  w.key("content").begin_object().key("application/json").begin_object().key("schema").begin_object();
  w.field("$ref", "#/components/schemas/" + schema).end_object().end_object().end_object().end_object();
}

// GET and PUT /v1/<collection>/{<id_name>} of a master record kind.
void master_path(const AggregateKind& kind, JsonWriter& w) {
  const MasterSpec& m = *kind.master();
  const std::string schema = schema_name(kind.name());
  w.key("/v1/" + std::string(m.collection) + "/{" + std::string(m.id_name) + "}").begin_object();
  w.key("parameters").begin_array().begin_object().field("name", m.id_name).field("in", "path");
  w.key("required").boolean(true).key("schema").begin_object().field("type", "string");
  w.key("maxLength").integer(kMaxIdBytes).field("pattern", "^[A-Za-z0-9._:-]+$").end_object().end_object().end_array();

  w.key("get").begin_object().field("summary", std::string(m.summary) + " (by its visibility to the token)");
  w.key("parameters").begin_array().begin_object().field("$ref", "#/components/parameters/MinPosition").end_object().end_array();
  w.key("responses").begin_object();
  record_response(w, "200", "the record", schema, {"ETag"});
  problems(w, {"400", "401", "404", "504"});
  w.end_object().end_object();

  w.key("put").begin_object().field("summary", "Create or replace the record whole (admin)");
  w.key("parameters").begin_array();
  w.begin_object().field("$ref", "#/components/parameters/IdempotencyKey").end_object();
  w.begin_object().field("$ref", "#/components/parameters/IfMatch").end_object().end_array();
  w.key("requestBody").begin_object().key("required").boolean(true).key("content").begin_object();
  w.key("application/json").begin_object().key("schema").begin_object().field("$ref", "#/components/schemas/" + schema);
  w.end_object().end_object().end_object().end_object();
  w.key("responses").begin_object();
  record_response(w, "200", "updated, or unchanged when equal", schema, {"ETag", "X-Position"});
  record_response(w, "201", "created", schema, {"ETag", "X-Position", "Location"});
  problems(w, {"400", "401", "403", "404", "412", "413", "415", "422", "503"});
  w.end_object().end_object();
  w.end_object();
}

// `doc` with `generated` (members, no braces) inserted first into the object that `key` opens.
void insert_members(std::string& doc, std::string_view key, const std::string& generated) {
  const size_t at = doc.find(key);
  if (at == std::string::npos || generated.empty()) return;
  doc.insert(at + key.size(), generated + ",");
}

// The members a writer produced inside a `{...}` it opened: "{a,b}" -> "a,b".
std::string members(JsonWriter& w) {
  w.end_object();
  std::string s = w.take();
  return s.substr(1, s.size() - 2);
}

std::string build_document() {
  std::string doc(kDocument);
  JsonWriter schemas, paths;
  schemas.begin_object();
  paths.begin_object();
  for (const AggregateKind& kind : all_kinds()) {
    if (!kind.master()) continue;
    master_schema(kind, schemas);
    master_path(kind, paths);
  }
  insert_members(doc, "\"schemas\":{", members(schemas));
  insert_members(doc, "\"paths\":{", members(paths));
  return doc;
}

}  // namespace

std::string_view openapi_document() {
  static const std::string doc = build_document();
  return doc;
}

}  // namespace aftercare
