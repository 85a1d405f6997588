#include "api/openapi.h"

#include <cctype>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/service.h"

#include "domain/json.h"
#include "domain/master_data.h"

namespace aftercare {

namespace {

// Everything but the paths: the schemas, parameters, headers and the problem
// response the operations refer to. The paths are generated (below) from
// ApiService::routes(), the registry's master kinds and kOperations.
constexpr std::string_view kDocument = R"json({"openapi":"3.1.0",
"info":{"title":"aftercare","version":"1","description":"After-sales service platform: event-sourced command and query API. Every route goes through one access policy: the token's role (403), then its regions and, for engineer tokens, the engineer's own work; what a token may not see answers exactly as what does not exist (404, or 422 unknown for a reference in a body). HEAD is served wherever GET is. A command refused with an Idempotency-Key gives the same answer to every retry. A method a path does not serve is answered 405 with Allow."},
"servers":[{"url":"http://127.0.0.1:8080"}],
"components":{
 "securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},
 "schemas":{
  "RequestView":{"type":"object","required":["id","status","type","channel","customer_id","priority","region","attempts","opened_at","updated_at","version"],"properties":{"suspend_reason":{"type":["string","null"],"description":"while suspended: why (awaiting_parts when its visit needs parts; it then resumes by itself)"},"id":{"type":"string"},"status":{"enum":["awaiting_assignment","suspended","assigned","locked","processed","closed","cancelled"]},"type":{"enum":["repair","installation","consultation","complaint","purchase"]},"channel":{"enum":["phone","web","email","fax","sms","walk_in"]},"customer_id":{"type":"string"},"serial_no":{"type":["string","null"]},"product_model":{"type":["string","null"]},"problem_code":{"type":["string","null"]},"priority":{"enum":["low","normal","high","urgent"]},"region":{"type":"string"},"description":{"type":"string"},"required_by":{"type":["string","null"],"format":"date-time"},"overdue":{"type":"boolean","description":"required_by passed while unresolved"},"attempts":{"type":"integer","description":"failed handling attempts; the second locks"},"dispatch_id":{"type":["string","null"],"description":"the dispatch it follows while assigned"},"dispatches":{"type":"integer","minimum":0,"description":"dispatches it has followed"},"engineer_id":{"type":["string","null"]},"lock_reason":{"enum":[null,"not_assigned_in_time","two_failed_attempts"]},"complaint":{"type":["object","null"],"properties":{"level":{"type":"integer","minimum":1,"maximum":3},"handling_unit":{"type":"string"},"respond_by":{"type":"string","format":"date-time"},"overdue":{"type":"boolean"}}},"suspended_from":{"type":["string","null"]},"opened_at":{"type":"string","format":"date-time"},"updated_at":{"type":"string","format":"date-time"},"version":{"type":"integer"}}},
  "OpenRequest":{"type":"object","required":["customer_id","channel","type"],"properties":{"customer_id":{"type":"string","maxLength":64},"channel":{"enum":["phone","web","email","fax","sms","walk_in"]},"type":{"enum":["repair","installation","consultation","complaint","purchase"]},"serial_no":{"type":"string","maxLength":64,"description":"must be an installed unit of the customer"},"product_model":{"type":"string","maxLength":256,"description":"defaults to the unit's model"},"problem_code":{"type":"string","maxLength":256},"description":{"type":"string","maxLength":8192},"priority":{"enum":["low","normal","high","urgent"],"default":"normal"},"required_by":{"type":"string","format":"date-time"},"region":{"type":"string","maxLength":256,"description":"defaults to the customer's region"},"suspended":{"type":"boolean","default":false},"complaint":{"type":"object","description":"required when type is complaint","required":["level","handling_unit","respond_by"],"properties":{"level":{"type":"integer","minimum":1,"maximum":3},"handling_unit":{"type":"string"},"respond_by":{"type":"string","format":"date-time"}}}}},
  "AssignRequest":{"type":"object","required":["engineer_id"],"properties":{"engineer_id":{"type":"string"},"note":{"type":"string","maxLength":8192}}},
  "SuspendRequest":{"type":"object","required":["reason"],"properties":{"reason":{"type":"string","maxLength":256}}},
  "ReportRequest":{"type":"object","required":["outcome"],"properties":{"outcome":{"enum":["resolved","unresolved","not_attended"]},"work_minutes":{"type":"integer","minimum":0},"notes":{"type":"string","maxLength":8192}}},
  "ResolveRemotelyRequest":{"type":"object","properties":{"notes":{"type":"string","maxLength":8192},"article_id":{"type":"string"}}},
  "CallbackRequest":{"type":"object","required":["satisfied"],"properties":{"satisfied":{"type":"boolean"},"scores":{"type":"object","properties":{"attitude":{"type":"integer","minimum":1,"maximum":5},"skill":{"type":"integer","minimum":1,"maximum":5},"timeliness":{"type":"integer","minimum":1,"maximum":5},"resolution":{"type":"integer","minimum":1,"maximum":5},"parts_lead_time":{"type":"integer","minimum":1,"maximum":5}}},"comment":{"type":"string","maxLength":8192}}},
  "UnlockRequest":{"type":"object","required":["decision"],"properties":{"decision":{"enum":["reassign","close"]},"note":{"type":"string","maxLength":8192}}},
  "CancelRequest":{"type":"object","required":["reason"],"properties":{"reason":{"type":"string","maxLength":256}}},
  "DispatchOrder":{"type":"object","properties":{"mode":{"enum":["auto","manual"],"description":"auto when engineer_id is absent"},"engineer_id":{"type":"string","maxLength":64},"type":{"enum":["on_site","installation","phone"]},"scheduled_start":{"type":"string","format":"date-time"},"scheduled_end":{"type":"string","format":"date-time"},"parts":{"type":"array","maxItems":64,"items":{"type":"object","required":["part_no","qty"],"properties":{"part_no":{"type":"string"},"qty":{"type":"integer","minimum":1,"maximum":10000}}}},"note":{"type":"string","maxLength":8192},"accept_within":{"type":"string","description":"ISO 8601 duration, PT1S..P7D; default PT15M"}}},
  "DispatchView":{"type":"object","required":["id","request_id","status","mode","engineer_id","region","offered_at","expires_at","version"],"properties":{"parts_warehouse_id":{"type":["string","null"],"description":"where its parts are reserved: the engineer's van, else the outlet's warehouse"},"visit_id":{"type":["string","null"],"description":"the visit its arrival opened"},"id":{"type":"string"},"request_id":{"type":"string"},"status":{"enum":["offered","accepted","en_route","on_site","finished","declined","cancelled","withdrawn"]},"mode":{"enum":["auto","manual"]},"engineer_id":{"type":"string"},"outlet_id":{"type":["string","null"]},"type":{"type":"string"},"region":{"type":"string"},"customer_id":{"type":"string"},"ranking":{"type":["object","null"],"description":"auto mode: the ranking chosen from (aftercare.dispatch.offered.v1)"},"version":{"type":"integer"}}},
  "DispatchList":{"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/DispatchView"}},"next_cursor":{"type":["string","null"]}}},
  "DispatchCandidates":{"type":"object","required":["request_id","region","items"],"properties":{"request_id":{"type":"string"},"region":{"type":"string"},"items":{"type":"array","description":"every engineer of the request's region, eligible ones first, best first","items":{"type":"object","required":["engineer_id","outlet_id","score","distance_km","open_dispatches","skill_match","parts_on_hand","excluded_because"],"properties":{"engineer_id":{"type":"string"},"outlet_id":{"type":["string","null"]},"score":{"type":"integer"},"distance_km":{"type":["number","null"]},"open_dispatches":{"type":"integer"},"skill_match":{"type":"boolean"},"parts_on_hand":{"type":["boolean","null"]},"excluded_because":{"type":["string","null"]}}}}}},
  "FinishDispatch":{"type":"object","properties":{"outcome":{"enum":["resolved","unresolved","not_attended"],"description":"default resolved"},"notes":{"type":"string","maxLength":8192},"work_minutes":{"type":"integer","minimum":0,"maximum":100000}}},
  "PartLine":{"type":"object","required":["part_no","qty"],"properties":{"part_no":{"type":"string"},"qty":{"type":"integer","minimum":1,"maximum":10000}}},
  "Charge":{"type":"object","description":"decided when the visit completed and stored in its event (docs/charging.md); amounts in minor units","required":["method","basis","detail","labour_rate","labour_minutes","labour","parts","parts_value","parts_charged","total","dispatch_type","outlet_fee"],"properties":{"method":{"enum":["warranty","parts_only","time_and_material"]},"basis":{"enum":["agreement","unit_warranty","product_warranty","default"]},"detail":{"type":"string"},"labour_rate":{"type":"integer","description":"per hour"},"labour_minutes":{"type":"integer"},"labour":{"type":"integer"},"parts":{"type":"array","items":{"type":"object","required":["part_no","qty","unit_price","amount"],"properties":{"part_no":{"type":"string"},"qty":{"type":"integer"},"unit_price":{"type":"integer"},"amount":{"type":"integer"}}}},"parts_value":{"type":"integer"},"parts_charged":{"type":"integer"},"total":{"type":"integer","description":"what the customer pays"},"dispatch_type":{"type":"string"},"outlet_fee":{"type":"integer","description":"what the outlet earns for the visit"}}},
  "VisitView":{"type":"object","required":["id","status","request_id","dispatch_id","engineer_id","outlet_id","region","customer_id","type","serial_no","product_model","parts_warehouse_id","parts","outcome","work_minutes","actual_problem_code","notes","customer_signature","parts_needed","parts_available","parts_ready","charge","opened_at","completed_at","updated_at","version"],"properties":{"id":{"type":"string","description":"the dispatch's id"},"status":{"enum":["open","completed"]},"request_id":{"type":"string"},"dispatch_id":{"type":"string"},"engineer_id":{"type":"string"},"outlet_id":{"type":["string","null"]},"region":{"type":"string"},"customer_id":{"type":"string"},"type":{"type":"string"},"serial_no":{"type":["string","null"]},"product_model":{"type":["string","null"]},"parts_warehouse_id":{"type":["string","null"]},"parts":{"type":"array","items":{"type":"object","required":["line","part_no","warehouse_id","qty","serials_installed","serials_removed","issue","refusal"],"properties":{"line":{"type":"integer"},"part_no":{"type":"string"},"warehouse_id":{"type":"string"},"qty":{"type":"integer"},"serials_installed":{"type":"array","items":{"type":"string"}},"serials_removed":{"type":"array","items":{"type":"string"}},"issue":{"enum":["pending","issued","refused"]},"refusal":{"type":["string","null"]}}}},"outcome":{"enum":["fixed","not_fixed","needs_parts","no_fault_found",null]},"work_minutes":{"type":"integer"},"actual_problem_code":{"type":["string","null"]},"notes":{"type":"string"},"customer_signature":{"type":["object","null"],"properties":{"name":{"type":"string"},"signed_at":{"type":"string","format":"date-time"}}},"parts_needed":{"type":"array","items":{"$ref":"#/components/schemas/PartLine"}},"parts_available":{"type":"array","items":{"type":"string"}},"parts_ready":{"type":"boolean"},"charge":{"oneOf":[{"$ref":"#/components/schemas/Charge"},{"type":"null"}]},"opened_at":{"type":"string","format":"date-time"},"completed_at":{"type":["string","null"],"format":"date-time"},"updated_at":{"type":"string","format":"date-time"},"version":{"type":"integer"}}},
  "Me":{"type":"object","required":["role","actor","regions","engineer_id","customer_id"],"properties":{"role":{"enum":["agent","dispatcher","engineer","manager","auditor","admin","warehouse","customer"]},"actor":{"type":"string"},"regions":{"type":"array","items":{"type":"string"},"description":"empty: every region"},"engineer_id":{"type":["string","null"]},"customer_id":{"type":["string","null"]}}},
  "Lookup":{"type":"object","required":["matched_by","items"],"properties":{"matched_by":{"enum":["phone","serial","customer_id"]},"items":{"type":"array","maxItems":20,"items":{"type":"object","required":["customer","units"],"properties":{"customer":{"type":"object"},"units":{"type":"array","items":{"type":"object"}}}}}}},
  "PortalTokenRequest":{"type":"object","properties":{"days":{"type":"integer","minimum":1,"maximum":90,"default":30}}},
  "PortalToken":{"type":"object","required":["token","customer_id","expires_at"],"properties":{"token":{"type":"string","description":"acp1.<customer_id>.<expiry>.<mac>: a bearer token"},"customer_id":{"type":"string"},"expires_at":{"type":"string","format":"date-time"}}},
  "VisitList":{"type":"object","required":["items"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/VisitView"}}}},
  "UseParts":{"type":"object","required":["part_no","qty"],"properties":{"part_no":{"type":"string"},"qty":{"type":"integer","minimum":1,"maximum":10000},"warehouse_id":{"type":"string","description":"default: the dispatch's parts warehouse"},"serials_installed":{"type":"array","maxItems":64,"items":{"type":"string"}},"serials_removed":{"type":"array","maxItems":64,"items":{"type":"string"},"description":"taken back as the warehouse's defective stock"}}},
  "CompleteVisit":{"type":"object","required":["outcome"],"properties":{"outcome":{"enum":["fixed","not_fixed","needs_parts","no_fault_found"]},"work_minutes":{"type":"integer","minimum":0,"maximum":100000},"actual_problem_code":{"type":"string"},"notes":{"type":"string","maxLength":8192},"customer_signature":{"type":"object","required":["name","signed_at"],"properties":{"name":{"type":"string"},"signed_at":{"type":"string","format":"date-time"}}},"parts_needed":{"type":"array","description":"with needs_parts only, and then required","items":{"$ref":"#/components/schemas/PartLine"}}}},
  "Settlement":{"type":"object","required":["outlet_id","month","time_zone","totals","payable","items","next_cursor"],"properties":{"outlet_id":{"type":"string"},"month":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}$"},"time_zone":{"const":"UTC"},"totals":{"type":"object","additionalProperties":{"type":"integer"},"description":"visits, fees, fee:<type>, labour, parts_value, parts_charged, customer_charges, warranty_visits (minor units)"},"payable":{"type":"integer","description":"the fees the outlet is owed for the month"},"items":{"type":"array","items":{"type":"object","required":["visit_id","request_id","dispatch_id","engineer_id","type","outcome","completed_at","fee","charge_method","charge_basis","labour","parts_value","parts_charged","customer_charge","parts","source"],"properties":{"visit_id":{"type":"string"},"request_id":{"type":"string"},"dispatch_id":{"type":"string"},"engineer_id":{"type":"string"},"type":{"type":"string"},"outcome":{"type":"string"},"completed_at":{"type":"string","format":"date-time"},"fee":{"type":"integer"},"charge_method":{"type":"string"},"charge_basis":{"type":"string"},"labour":{"type":"integer"},"parts_value":{"type":"integer"},"parts_charged":{"type":"integer"},"customer_charge":{"type":"integer"},"parts":{"type":"array"},"source":{"type":"object","required":["event_id","subject","sequence"],"properties":{"event_id":{"type":"string"},"subject":{"type":"string"},"sequence":{"type":"integer"}},"description":"the visit.completed event the line comes from"}}}},"next_cursor":{"type":["string","null"]}}},
  "PartDemand":{"type":"object","required":["part_no","months","plan"],"properties":{"part_no":{"type":"string"},"months":{"type":"array","items":{"type":"object","required":["month","issued","complete"],"properties":{"month":{"type":"string"},"issued":{"type":"integer"},"complete":{"type":"boolean"}}}},"plan":{"type":"object","required":["method","over_months","issued","for_month","suggested"],"properties":{"method":{"type":"string"},"over_months":{"type":"integer"},"issued":{"type":"integer"},"for_month":{"type":"string"},"suggested":{"type":"integer"}}}}},
  "PartsAbc":{"type":"object","required":["from_month","to_month","total_value","items"],"properties":{"from_month":{"type":"string"},"to_month":{"type":"string"},"total_value":{"type":"integer","description":"minor units"},"items":{"type":"array","items":{"type":"object","required":["part_no","issued","value","class","configured_class"],"properties":{"part_no":{"type":"string"},"issued":{"type":"integer"},"value":{"type":"integer"},"class":{"enum":["A","B","C"]},"configured_class":{"enum":["A","B","C",null]}}}}}},
  "PartsHitRate":{"type":"object","required":["first_visits","with_every_part","hit_rate"],"properties":{"first_visits":{"type":"integer"},"with_every_part":{"type":"integer"},"hit_rate":{"type":["number","null"],"minimum":0,"maximum":1}}},
  "Transfer":{"type":"object","required":["id","status","from","to","reference","lines","requested_at","updated_at","version"],"properties":{"id":{"type":"string"},"status":{"enum":["requested","in_transit","refused","received"]},"from":{"type":"string"},"to":{"type":"string"},"reference":{"type":"string"},"lines":{"type":"array","items":{"type":"object","required":["part_no","qty","status","note"],"properties":{"part_no":{"type":"string"},"qty":{"type":"integer"},"status":{"enum":["requested","in_transit","refused","received"]},"note":{"type":["string","null"]}}}},"requested_at":{"type":"string","format":"date-time"},"updated_at":{"type":"string","format":"date-time"},"version":{"type":"integer"}}},
  "TransferRequest":{"type":"object","required":["from","to","lines"],"properties":{"from":{"type":"string"},"to":{"type":"string"},"reference":{"type":"string","maxLength":256},"lines":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","required":["part_no","qty"],"properties":{"part_no":{"type":"string"},"qty":{"type":"integer","minimum":1,"maximum":1000000}}}}}},
  "StockItem":{"type":"object","required":["warehouse_id","part_no","on_hand","reserved","available","in_transit_in","defective","safety_stock","reorder_qty","below_safety","reservations","incoming","updated_at","version"],"properties":{"awaiting":{"type":"array","description":"needs_parts visits waiting for the part here, first come first served","items":{"type":"object","properties":{"visit_id":{"type":"string"},"qty":{"type":"integer"}}}},"warehouse_id":{"type":"string"},"part_no":{"type":"string"},"on_hand":{"type":"integer","minimum":0},"reserved":{"type":"integer","minimum":0},"available":{"type":"integer","minimum":0},"in_transit_in":{"type":"integer","minimum":0},"defective":{"type":"integer","minimum":0},"safety_stock":{"type":"integer","minimum":0},"reorder_qty":{"type":"integer","minimum":0},"below_safety":{"type":"boolean","description":"a reorder was suggested and available has not recovered since"},"reservations":{"type":"object","additionalProperties":{"type":"integer"},"description":"dispatch id -> quantity"},"incoming":{"type":"object","additionalProperties":{"type":"integer"},"description":"transfer id -> quantity in transit here"},"updated_at":{"type":"string","format":"date-time"},"version":{"type":"integer"}}},
  "StockItemWithMovements":{"type":"object","required":["movements","warehouse_id","part_no","on_hand","reserved","available","in_transit_in","defective","safety_stock","reorder_qty","below_safety","reservations","incoming","updated_at","version"],"properties":{"warehouse_id":{"type":"string"},"part_no":{"type":"string"},"on_hand":{"type":"integer","minimum":0},"reserved":{"type":"integer","minimum":0},"available":{"type":"integer","minimum":0},"in_transit_in":{"type":"integer","minimum":0},"defective":{"type":"integer","minimum":0},"safety_stock":{"type":"integer","minimum":0},"reorder_qty":{"type":"integer","minimum":0},"below_safety":{"type":"boolean","description":"a reorder was suggested and available has not recovered since"},"reservations":{"type":"object","additionalProperties":{"type":"integer"},"description":"dispatch id -> quantity"},"incoming":{"type":"object","additionalProperties":{"type":"integer"},"description":"transfer id -> quantity in transit here"},"updated_at":{"type":"string","format":"date-time"},"version":{"type":"integer"},"movements":{"type":"array","items":{"$ref":"#/components/schemas/Movement"}}}},
  "Movement":{"type":"object","required":["seq","event","time","warehouse_id","part_no"],"properties":{"seq":{"type":"integer"},"event":{"type":"string","description":"the stock event's name: received, shipped, incoming, transfer_received, reserved, reservation_released, issued, defective_returned, counted, policy_set, reorder_suggested"},"time":{"type":"string","format":"date-time"},"warehouse_id":{"type":"string"},"part_no":{"type":"string"},"balance":{"type":"object"}},"description":"the event's data, with its sequence, name and time"},
  "MovementList":{"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Movement"}},"next_cursor":{"type":["string","null"]}}},
  "StockList":{"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/StockItem"}},"next_cursor":{"type":["string","null"]}}},
  "StockItems":{"type":"object","required":["items"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/StockItem"}}}},
  "StockReceipt":{"type":"object","required":["warehouse_id","lines"],"properties":{"warehouse_id":{"type":"string"},"reference":{"type":"string","maxLength":256},"lines":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","required":["part_no","qty"],"properties":{"part_no":{"type":"string"},"qty":{"type":"integer","minimum":1,"maximum":1000000}}}}}},
  "StockCount":{"type":"object","required":["warehouse_id","lines"],"properties":{"warehouse_id":{"type":"string"},"lines":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","required":["part_no","counted"],"properties":{"part_no":{"type":"string"},"counted":{"type":"integer","minimum":0}}}}}},
  "StockReturn":{"type":"object","required":["warehouse_id","part_no","serial_no","reason"],"properties":{"warehouse_id":{"type":"string"},"part_no":{"type":"string"},"serial_no":{"type":"string","maxLength":256},"visit_id":{"type":"string"},"reason":{"type":"string","maxLength":256}}},
  "StockPolicy":{"type":"object","required":["safety_stock","reorder_qty"],"properties":{"safety_stock":{"type":"integer","minimum":0,"maximum":1000000},"reorder_qty":{"type":"integer","minimum":0,"maximum":1000000}}},
  "WebhookSettings":{"type":"object","required":["url","event_types"],"properties":{"url":{"type":"string","maxLength":2048,"description":"http://host[:port]/path; printable ASCII, no credentials, no fragment"},"event_types":{"type":"array","minItems":1,"maxItems":64,"items":{"type":"string","pattern":"^aftercare\\.[a-z_]+\\.[a-z_]+\\.v[1-9][0-9]*$"}},"secret":{"type":"string","minLength":16,"maxLength":256,"description":"required when registering"},"active":{"type":"boolean","default":true},"start":{"enum":["now","beginning"],"default":"now","description":"where delivery of the subscribed topics starts when registering"}}},
  "Webhook":{"type":"object","required":["id","url","event_types","secret","active","updated_at","version"],"properties":{"id":{"type":"string"},"url":{"type":"string"},"event_types":{"type":"array","items":{"type":"string"}},"secret":{"const":"set"},"active":{"type":"boolean"},"updated_at":{"type":"string","format":"date-time"},"version":{"type":"integer"},"delivery":{"$ref":"#/components/schemas/DeliveryProgress"}}},
  "DeliveryProgress":{"type":"object","required":["state","delivered","failed_attempts","attempts","pending_event","last_error","last_delivered_at","failing_since","next_attempt_at","checkpoint"],"properties":{"state":{"enum":["healthy","retrying","failing","paused","broken","starting"]},"delivered":{"type":"integer"},"failed_attempts":{"type":"integer"},"attempts":{"type":"integer"},"pending_event":{"type":["string","null"]},"last_error":{"type":["string","null"]},"last_delivered_at":{"type":["string","null"],"format":"date-time"},"failing_since":{"type":["string","null"],"format":"date-time"},"next_attempt_at":{"type":["string","null"],"format":"date-time"},"checkpoint":{"type":"string"}}},
  "WebhookList":{"type":"object","required":["items"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Webhook"}}}},
  "DeliveryList":{"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Delivery"}},"next_cursor":{"type":["string","null"]}}},
  "Delivery":{"type":"object","required":["seq","event_id","type","subject","record","attempt","outcome","http_status","error","latency_us","at"],"properties":{"seq":{"type":"integer"},"event_id":{"type":"string"},"type":{"type":"string"},"subject":{"type":"string"},"record":{"type":"string"},"attempt":{"type":"integer","minimum":1},"outcome":{"enum":["delivered","failed"]},"http_status":{"type":["integer","null"]},"error":{"type":["string","null"]},"latency_us":{"type":"integer"},"at":{"type":"string","format":"date-time"}}},
  "StatusReport":{"type":"object","required":["status"],"properties":{"status":{"enum":["available","travelling","on_site","off_duty"]},"location":{"type":"object","required":["lat","lon"],"properties":{"lat":{"type":"number","minimum":-90,"maximum":90},"lon":{"type":"number","minimum":-180,"maximum":180}}}}},
  "EngineerStatus":{"type":"object","required":["status","location","reported_at","version"],"properties":{"status":{"enum":["available","travelling","on_site","off_duty"]},"location":{"type":["object","null"]},"reported_at":{"type":"string","format":"date-time"},"version":{"type":"integer"}}},
  "EngineerBoard":{"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":{"type":"object","required":["engineer_id","name","region","outlet_id","status","location","updated_at","open_dispatches"],"properties":{"engineer_id":{"type":"string"},"name":{"type":"string"},"region":{"type":"string"},"outlet_id":{"type":["string","null"]},"status":{"enum":["available","travelling","on_site","off_duty","unknown"]},"location":{"type":["object","null"]},"updated_at":{"type":["string","null"],"format":"date-time"},"open_dispatches":{"type":"integer"}}}},"next_cursor":{"type":["string","null"]}}},
  "Reason":{"type":"object","required":["reason"],"properties":{"reason":{"type":"string","minLength":1,"maxLength":256}}},
  "RequestList":{"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/RequestView"}},"next_cursor":{"type":["string","null"]}}},
  "Event":{"type":"object","description":"a CloudEvents 1.0 envelope (docs/envelope.md)","required":["specversion","id","source","type","subject","time","datacontenttype","sequence","aggregateid","commandid","actor","prevhash","data"],"properties":{"specversion":{"const":"1.0"},"id":{"type":"string"},"source":{"type":"string"},"type":{"type":"string"},"subject":{"type":"string"},"time":{"type":"string","format":"date-time"},"datacontenttype":{"const":"application/json"},"sequence":{"type":"integer","minimum":1},"aggregateid":{"type":"string"},"commandid":{"type":"string"},"actor":{"type":"string"},"correlationid":{"type":"string"},"prevhash":{"type":"string"},"data":{"type":"object"}}},
  "EventPage":{"type":"object","required":["items","next_cursor"],"properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Event"}},"next_cursor":{"type":["string","null"]}}},
  "CustomerHistory":{"type":"object","required":["customer","units","requests","open_requests"],"properties":{"customer":{"$ref":"#/components/schemas/Customer"},"units":{"type":"array","items":{"$ref":"#/components/schemas/Unit"}},"requests":{"type":"array","description":"newest first, at most 100","items":{"$ref":"#/components/schemas/RequestView"}},"open_requests":{"type":"integer","minimum":0,"description":"open requests this token may see"}}},
  "ProblemStats":{"type":"object","required":["items"],"properties":{"items":{"type":"array","items":{"type":"object","required":["product_model","problem_code","count"],"properties":{"product_model":{"type":"string"},"problem_code":{"type":"string"},"count":{"type":"integer","minimum":1}}}}}},
  "Status":{"type":"object","required":["status"],"properties":{"status":{"enum":["ok","ready"]}}},
  "Problem":{"type":"object","required":["type","title","status","detail"],"properties":{"type":{"type":"string","description":"a URI naming the problem. 503 with https://aftercare.dev/problems/outcome-unknown: the command may or may not have been recorded (the log did not confirm in time, or the disk failed part-way); retry with the same Idempotency-Key to learn which. 503 with https://aftercare.dev/problems/unavailable: nothing was recorded."},"title":{"type":"string"},"status":{"type":"integer"},"detail":{"type":"string"},"current_status":{"type":"string"}}}
 },
 "parameters":{
  "IdempotencyKey":{"name":"Idempotency-Key","in":"header","schema":{"type":"string","maxLength":128},"description":"A retry with the same key and body returns the original response; the same key with another body is refused with 422."},
  "IfMatch":{"name":"If-Match","in":"header","schema":{"type":"string"},"description":"Reject with 412 unless the record is at this version (\"<version>\"); * means: only if it exists."},
  "MinPosition":{"name":"X-Min-Position","in":"header","schema":{"type":"string"},"description":"Wait (at most 5 s, else 504) until the read models have applied this position, as returned in X-Position; 400 when it is not a position token."}
 },
 "responses":{
  "Problem":{"description":"An error","content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/Problem"}}}}
 }
},
"security":[{"bearer":[]}],
"paths":{}})json";

// The JSON Schema of one master record field.
void field_schema(const FieldSpec& f, JsonWriter& w) {
  w.begin_object();
  switch (f.type) {
    case FieldType::text: w.field("type", "string").key("maxLength").integer(kMaxShortText); break;
    case FieldType::long_text: w.field("type", "string").key("maxLength").integer(kMaxLongText); break;
    case FieldType::time: w.field("type", "string").field("format", "date-time"); break;
    case FieldType::boolean: w.field("type", "boolean"); break;
    case FieldType::money:
      w.field("type", "integer").key("minimum").integer(0).key("maximum").integer(kMaxMoney);
      w.field("description", "an amount in minor units (8000 for 80.00): docs/money.md");
      break;
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
    case FieldType::location:
      w.field("type", "object").key("required").begin_array().string("lat").string("lon").end_array();
      w.key("properties").begin_object();
      w.key("lat").begin_object().field("type", "number").key("minimum").integer(-90).key("maximum").integer(90).end_object();
      w.key("lon").begin_object().field("type", "number").key("minimum").integer(-180).key("maximum").integer(180).end_object();
      w.end_object().field("description", "degrees (WGS 84), kept to 6 decimals");
      break;
    case FieldType::money_by_key:
      w.field("type", "object").key("additionalProperties").boolean(false).key("properties").begin_object();
      for (auto a : f.allowed)
        w.key(a).begin_object().field("type", "integer").key("minimum").integer(0).key("maximum").integer(kMaxMoney).end_object();
      w.end_object().field("description", "amounts in minor units (8000 for 80.00): docs/money.md");
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
  if (m.lifecycle) {
    w.key("status").begin_object().field("type", "string").key("readOnly").boolean(true).key("enum").begin_array();
    w.string(m.lifecycle->initial);
    for (const LifecycleAction& a : m.lifecycle->actions) w.string(a.to);
    w.end_array().end_object();
    w.key("status_reason").begin_object().key("type").begin_array().string("string").string("null").end_array();
    w.key("readOnly").boolean(true).end_object();
  }
  w.key("version").begin_object().field("type", "integer").key("readOnly").boolean(true).end_object();
  w.key("updated_at").begin_object().field("type", "string").field("format", "date-time");
  w.key("readOnly").boolean(true).end_object();
  w.end_object().end_object();
}

// What cannot be derived from a route: its words and its schemas. The
// errors, the parameters every operation of its kind takes, security and
// response headers are derived from the route (add_operation).
struct OperationDoc {
  http::verb method;
  std::string pattern;
  std::string summary;
  std::string query = {};      // the query parameters: JSON objects, comma-separated
  std::string body = {};       // the request body's schema, when it has one
  bool body_required = false;
  std::string ok = "200";      // the success status
  std::string ok_schema = {};  // its schema: a component, "Document" (any object), "" (text)
  std::string ok_description = "OK";
};

constexpr const char* kPaging =
    R"({"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":500}},{"name":"cursor","in":"query","schema":{"type":"string"},"description":"next_cursor of the previous page"})";

const std::vector<OperationDoc>& operation_docs() {
  using V = http::verb;
  static const std::vector<OperationDoc> docs = {
      {V::get, "/healthz", "The process is up", {}, {}, false, "200", "Status", "up"},
      {V::get, "/readyz", "The log is reachable, the write side caught up and the read models within 1 s of the log's end", {}, {}, false, "200", "Status", "ready"},
      {V::get, "/metrics", "Prometheus metrics", {}, {}, false, "200", {}, "text format 0.0.4"},
      {V::get, "/openapi.json", "This document", {}, {}, false, "200", "Document", "OpenAPI 3.1"},
      {V::get, "/", "The service-centre console (a page; it signs in with a token and calls this API)", {}, {}, false, "200", "Static", "the console"},
      {V::get, "/portal", "The customers' self-service portal (a page; it signs in with a portal token)", {}, {}, false, "200", "Static", "the portal"},
      {V::get, "/assets/{file}", "A script, style sheet or image of the console and the portal (ETag; If-None-Match answers 304)", {}, {}, false, "200", "Static", "the file"},
      {V::get, "/v1/me", "Who this token is: its role, the actor its commands record, its regions, and its engineer or customer (the console decides what to show from it)", {}, {}, false, "200", "Me", "the token's principal"},
      {V::get, "/v1/lookup", "Caller look-up for the screen pop: the customers whose phone number ends in these digits (6 or more), the owner of a serial number, or a customer id; each with their units. At most 20, only those this token may see (not for customer tokens)",
       R"({"name":"phone","in":"query","schema":{"type":"string"}},{"name":"serial","in":"query","schema":{"type":"string"}},{"name":"customer_id","in":"query","schema":{"type":"string"}})",
       {}, false, "200", "Lookup", "the matches"},
      {V::post, "/v1/customers/{id}/portal-token", "Issue a self-service portal token for the customer (agent, manager, admin): it sees the customer's own records and requests and may open requests for them, until it expires (docs/portal.md)", {}, "PortalTokenRequest", false, "201", "PortalToken", "the token"},
      {V::get, "/v1/requests", "List requests, newest first (region-scoped tokens see their regions; engineers their own; customer tokens their customer's)",
       R"({"name":"status","in":"query","schema":{"type":"string"}},{"name":"type","in":"query","schema":{"type":"string"}},{"name":"region","in":"query","schema":{"type":"string"}},{"name":"customer_id","in":"query","schema":{"type":"string"}},{"name":"engineer_id","in":"query","schema":{"type":"string"}},{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"}})",
       {}, false, "200", "RequestList", "a page"},
      {V::post, "/v1/requests", "Open a service request (agent, manager, admin; a customer token for its own customer, recorded as channel web)", {}, "OpenRequest", true, "201", "RequestView", "opened"},
      {V::get, "/v1/requests/{id}", "The request view, or as it stood at as_of (managers, auditors, admins)",
       R"({"name":"as_of","in":"query","schema":{"type":"string","format":"date-time"}})", {}, false, "200", "RequestView", "the view"},
      {V::get, "/v1/requests/{id}/events", "The request's events, in order, as CloudEvents envelopes, a page at a time (managers, auditors, admins)",
       kPaging, {}, false, "200", "EventPage", "a page of events"},
      {V::post, "/v1/requests/{id}/assign", "awaiting_assignment -> assigned (dispatcher, manager, admin) through a manual dispatch to the engineer, who must be active (and of a certified outlet, if any)", {}, "AssignRequest", true, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/suspend", "awaiting_assignment or assigned -> suspended (agent, dispatcher, manager, admin)", {}, "SuspendRequest", true, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/resume", "suspended -> the state it was suspended from", {}, {}, false, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/report", "assigned -> processed (resolved) or awaiting_assignment with attempts + 1; the second failure locks. Engineers report only on their own requests.", {}, "ReportRequest", true, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/resolve-remotely", "awaiting_assignment -> processed (agent, manager, admin)", {}, "ResolveRemotelyRequest", false, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/callback", "processed -> closed (satisfied) or awaiting_assignment (agent, manager, admin)", {}, "CallbackRequest", true, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/unlock", "locked -> awaiting_assignment (reassign) or closed (managers, admins)", {}, "UnlockRequest", true, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/cancel", "any open state -> cancelled (agent, manager, admin)", {}, "CancelRequest", true, "200", "RequestView", "the request view after the action"},
      {V::post, "/v1/requests/{id}/dispatch", "Dispatch the request: auto (the best eligible engineer, its ranking stored in the event) or to a named engineer (dispatcher, manager, admin). 409 with the reasons when nobody is eligible", {}, "DispatchOrder", false, "201", "DispatchView", "the dispatch, offered"},
      {V::get, "/v1/requests/{id}/dispatch-candidates", "Every engineer of the request's region considered for it, eligible ones first and best first, with why any is excluded (not for engineers)", {}, {}, false, "200", "DispatchCandidates", "the ranking now"},
      {V::get, "/v1/dispatches", "Dispatches, newest offer first (region-scoped tokens see their regions; engineers their own)",
       R"({"name":"status","in":"query","schema":{"type":"string"}},{"name":"region","in":"query","schema":{"type":"string"}},{"name":"engineer_id","in":"query","schema":{"type":"string"}},{"name":"outlet_id","in":"query","schema":{"type":"string"}},{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"}})",
       {}, false, "200", "DispatchList", "a page"},
      {V::get, "/v1/dispatches/{id}", "The dispatch view", {}, {}, false, "200", "DispatchView", "the view"},
      {V::get, "/v1/dispatches/{id}/events", "The dispatch's events, in order (managers, auditors, admins)", {}, {}, false, "200", "EventPage", "its events"},
      {V::post, "/v1/dispatches/{id}/accept", "offered -> accepted (the engineer of the dispatch, dispatcher, manager, admin)", {}, {}, false, "200", "DispatchView", "the dispatch after the action"},
      {V::post, "/v1/dispatches/{id}/decline", "offered or accepted -> declined; the request returns to awaiting_assignment without a failed attempt and, in auto mode, the next candidate is offered", {}, "Reason", true, "200", "DispatchView", "the dispatch after the action"},
      {V::post, "/v1/dispatches/{id}/depart", "accepted -> en_route", {}, {}, false, "200", "DispatchView", "the dispatch after the action"},
      {V::post, "/v1/dispatches/{id}/arrive", "en_route -> on_site; opens the dispatch's visit (its visit_id)", {}, {}, false, "200", "DispatchView", "the dispatch after the action"},
      {V::post, "/v1/dispatches/{id}/finish", "on_site -> finished; the request is reported with the outcome", {}, "FinishDispatch", false, "200", "DispatchView", "the dispatch after the action"},
      {V::post, "/v1/dispatches/{id}/cancel", "any open state -> cancelled; the request returns to awaiting_assignment without a failed attempt", {}, "Reason", true, "200", "DispatchView", "the dispatch after the action"},
      {V::get, "/v1/engineers", "The engineers' board: status, location, open dispatches (workload), updated_at",
       R"({"name":"region","in":"query","schema":{"type":"string"}},{"name":"status","in":"query","schema":{"type":"string"}},{"name":"outlet_id","in":"query","schema":{"type":"string"}},{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"}})",
       {}, false, "200", "EngineerBoard", "a page"},
      {V::get, "/v1/engineers/{id}/dispatches", "An engineer's task list, newest offer first", {}, {}, false, "200", "DispatchList", "a page"},
      {V::post, "/v1/engineers/{id}/status", "Report an engineer's status and location (the engineer's own token, dispatcher, manager, admin)", {}, "StatusReport", true, "201", "EngineerStatus", "reported"},
      {V::get, "/v1/stock", "Stock levels this token may see, by warehouse and part (below_safety=true: only items whose available is below their safety stock)",
       R"({"name":"warehouse_id","in":"query","schema":{"type":"string"}},{"name":"part_no","in":"query","schema":{"type":"string"}},{"name":"below_safety","in":"query","schema":{"enum":["true","false"]}},{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"}})",
       {}, false, "200", "StockList", "a page"},
      {V::post, "/v1/stock/receipts", "Goods received into a warehouse: one stock movement per line (a retry with the same Idempotency-Key completes the lines that had not landed)", {}, "StockReceipt", true, "200", "StockItems", "the items after the receipt"},
      {V::post, "/v1/stock/counts", "A stock count: each line's on_hand becomes what was counted, with its variance; reservations a count leaves without parts are released", {}, "StockCount", true, "200", "StockItems", "the items after the count"},
      {V::post, "/v1/stock/returns", "A defective part taken back: the warehouse's defective stock, never available", {}, "StockReturn", true, "200", "StockItems", "the item after the return"},
      {V::post, "/v1/stock/transfers", "Transfer parts between two warehouses: 409 when the source lacks a line now; each line then leaves the source (or is refused there, if taken meanwhile) and is in transit to the destination", {}, "TransferRequest", true, "201", "Transfer", "the transfer, requested"},
      {V::get, "/v1/stock/transfers/{id}", "A transfer and how each line went: requested, in_transit, refused, received", {}, {}, false, "200", "Transfer", "the transfer"},
      {V::post, "/v1/stock/transfers/{id}/receive", "The transfer arrived: every line in transit is taken in at the destination (in_transit -> received)", {}, {}, false, "200", "Transfer", "the transfer"},
      {V::get, "/v1/stock/{warehouse_id}/{part_no}", "A stock item: on_hand, reserved, available, in transit, defective, its policy, and its 20 newest movements", {}, {}, false, "200", "StockItemWithMovements", "the item"},
      {V::get, "/v1/stock/{warehouse_id}/{part_no}/movements", "A stock item's movements, newest first, each with the balance after it",
       R"({"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"}})",
       {}, false, "200", "MovementList", "a page"},
      {V::put, "/v1/stock/{warehouse_id}/{part_no}/policy", "Set the item's safety stock and reorder quantity; available falling below the safety stock suggests a reorder once per crossing", {}, "StockPolicy", true, "200", "StockItem", "the item"},
      {V::get, "/v1/webhooks", "Every webhook with its delivery progress (admin)", {}, {}, false, "200", "WebhookList", "the webhooks"},
      {V::get, "/v1/webhooks/{id}", "A webhook and how its delivery stands: healthy, retrying, failing (since when), paused or broken (admin)", {}, {}, false, "200", "Webhook", "the webhook"},
      {V::put, "/v1/webhooks/{id}", "Register or replace a webhook (admin). Events of the listed types are POSTed as CloudEvents, signed X-Aftercare-Signature: sha256=<HMAC-SHA256 of the body under the secret>; the secret is stored sealed and never shown back, and may be left out of an update", {}, "WebhookSettings", true, "200", "Webhook", "updated, or unchanged when equal"},
      {V::get, "/v1/webhooks/{id}/deliveries", "The webhook's delivery log: one row per attempt, newest first (admin)",
       R"({"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"},"description":"next_cursor of the previous page"})",
       {}, false, "200", "DeliveryList", "a page"},
      {V::get, "/v1/visits/{id}", "A visit (its id is its dispatch's): parts used and their issue, outcome, signature, the stored charge", {}, {}, false, "200", "VisitView", "the visit"},
      {V::post, "/v1/visits/{id}/parts", "Parts used on the visit: issued from the warehouse (the dispatch's reservation first) by the visit process manager; removed serials go back as defective. 409 when the warehouse lacks them now", {}, "UseParts", true, "200", "VisitView", "the visit, the line pending its issue"},
      {V::post, "/v1/visits/{id}/complete", "open -> completed with an outcome: the dispatch finishes and the request moves (fixed, no_fault_found -> processed; not_fixed -> a failed attempt; needs_parts -> suspended awaiting_parts until they are at the parts warehouse). The charge is decided and stored", {}, "CompleteVisit", true, "200", "VisitView", "the visit, completed"},
      {V::get, "/v1/requests/{id}/visits", "The request's visits, oldest first", {}, {}, false, "200", "VisitList", "its visits"},
      {V::get, "/v1/outlets/{id}/settlement", "An outlet's month: totals and every completed visit's line, oldest first, each pointing at its event (managers, auditors, admins)",
       R"({"name":"month","in":"query","required":true,"schema":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}$"}},{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":500,"default":50}},{"name":"cursor","in":"query","schema":{"type":"string"}})",
       {}, false, "200", "Settlement", "the month"},
      {V::get, "/v1/parts/{part_no}/demand", "Parts issued to visits per month (the regions the token sees), oldest first with the current month so far, and the plan for next month: the moving average of the complete months, rounded up",
       R"({"name":"months","in":"query","schema":{"type":"integer","minimum":1,"maximum":36,"default":6}})", {}, false, "200", "PartDemand", "the demand"},
      {V::get, "/v1/stats/parts-abc", "Parts by consumption value (issued to visits in the last `months` months, the current one included, × the catalogue price now): A the top 80% of the value, B the next 15%, C the rest",
       R"({"name":"months","in":"query","schema":{"type":"integer","minimum":1,"maximum":36,"default":12}})", {}, false, "200", "PartsAbc", "the classes"},
      {V::get, "/v1/stats/parts-hit-rate", "Of the first visits completed from..to (UTC days), those that had every part they needed on hand (not needs_parts, no part line refused)",
       R"({"name":"from","in":"query","schema":{"type":"string","format":"date-time"}},{"name":"to","in":"query","schema":{"type":"string","format":"date-time"}})",
       {}, false, "200", "PartsHitRate", "the rate"},
      {V::get, "/v1/customers/{id}/history", "Screen pop: the customer, their units, their requests (newest first) and the open requests this token may see (a customer token: its own customer only; the portal's home)", {}, {}, false, "200", "CustomerHistory", "the customer's history"},
      {V::get, "/v1/stats/problems", "Requests opened by product model and problem code (UTC days from..to)",
       R"({"name":"product_model","in":"query","schema":{"type":"string"}},{"name":"from","in":"query","schema":{"type":"string","format":"date-time"}},{"name":"to","in":"query","schema":{"type":"string","format":"date-time"}})",
       {}, false, "200", "ProblemStats", "counts"},
  };
  return docs;
}

// The words of a master record kind's GET and PUT, from its MasterSpec.
OperationDoc master_doc(const ApiService::Route& r, const AggregateKind& kind) {
  const std::string schema = schema_name(kind.name());
  if (r.method == http::verb::get)
    return {r.method, std::string(r.pattern), std::string(kind.master()->summary) + " (by its visibility to the token)",
            {}, {}, false, "200", schema, "the record"};
  return {r.method, std::string(r.pattern), "Create or replace the record whole (admin)", {}, schema, true, "200",
          schema, "updated, or unchanged when equal"};
}

std::optional<OperationDoc> doc_of(const ApiService::Route& r) {
  for (const OperationDoc& d : operation_docs())
    if (d.method == r.method && d.pattern == r.pattern) return d;
  if (r.operation == Operation::write_master && r.method == http::verb::post)
    for (const AggregateKind& kind : all_kinds())
      if (kind.master() && r.pattern.starts_with("/v1/" + std::string(kind.master()->collection) + "/"))
        if (const LifecycleAction* a = lifecycle_action(*kind.master(), r.action)) {
          std::string from;
          for (auto f : a->from) from += (from.empty() ? "" : " or ") + std::string(f);
          return OperationDoc{r.method, std::string(r.pattern), from + " -> " + std::string(a->to) + ", with its reason (admin)",
                              {}, "Reason", true, "200", schema_name(kind.name()), "the record after the action"};
        }
  for (const AggregateKind& kind : all_kinds())
    if (kind.master() && r.pattern == "/v1/" + std::string(kind.master()->collection) + "/{" +
                                          std::string(kind.master()->id_name) + "}")
      return master_doc(r, kind);
  return std::nullopt;
}

// "get", "post": an operation's key in its path item.
std::string method_name(http::verb method) {
  std::string name(http::to_string(method));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// "post /v1/requests/{id}/assign" -> "post_v1_requests_id_assign".
std::string operation_id(const ApiService::Route& r) {
  std::string id = method_name(r.method);
  for (char c : r.pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) id += c;
    else if (c == '/' || c == '-') id += '_';
  }
  return id;
}

void ref(JsonWriter& w, std::string_view to) { w.begin_object().field("$ref", std::string(to)).end_object(); }

struct Header {
  const char* name;
  bool required;
};

void header_object(JsonWriter& w, const Header& h) {
  const std::string_view name = h.name;
  const char* description = name == "ETag"         ? "the record's version, \"<version>\": send it back in If-Match"
                            : name == "X-Position" ? "the log position of the write: send it in X-Min-Position to read your own write"
                                                   : "the created record's path";
  w.key(h.name).begin_object().field("description", description).key("required").boolean(h.required);
  w.key("schema").begin_object().field("type", "string").end_object().end_object();
}

void success(JsonWriter& w, std::string_view status, std::string_view description, std::string_view schema,
             std::initializer_list<Header> headers) {
  w.key(status).begin_object().field("description", description);
  if (headers.size()) {
    w.key("headers").begin_object();
    for (const Header& h : headers) header_object(w, h);
    w.end_object();
  }
  w.key("content").begin_object();
  if (schema == "Static") {
    // The console's files (web/): HTML pages and the scripts, styles and images they load.
    for (const char* media : {"text/html", "text/javascript", "text/css", "text/plain", "image/svg+xml", "image/png", "application/json",
                              "application/octet-stream"})
      w.key(media).begin_object().key("schema").begin_object().field("type", "string").end_object().end_object();
  } else if (schema.empty()) {
    w.key("text/plain").begin_object().key("schema").begin_object().field("type", "string").end_object().end_object();
  } else {
    w.key("application/json").begin_object().key("schema").begin_object();
    if (schema == "Document") w.field("type", "object");
    else w.field("$ref", "#/components/schemas/" + std::string(schema));
    w.end_object().end_object();
  }
  w.end_object().end_object();
}

// One operation: its words from `doc`, everything else from the route.
void add_operation(JsonWriter& w, const ApiService::Route& r, const OperationDoc& doc) {
  const bool is_public = r.operation == Operation::public_info;
  const bool command = r.method == http::verb::post || r.method == http::verb::put;
  const bool has_id = r.pattern.find('{') != std::string_view::npos;
  const bool upsert = r.operation == Operation::write_master ||
                      ((r.operation == Operation::manage_webhooks || r.operation == Operation::move_stock) &&
                       r.method == http::verb::put);
  const bool if_match = r.operation == Operation::act_on_request || upsert || r.operation == Operation::act_on_dispatch;

  w.key(method_name(r.method)).begin_object();
  w.field("summary", doc.summary).field("operationId", operation_id(r));
  if (is_public) w.key("security").begin_array().end_array();
  w.key("parameters").begin_array();
  if (!doc.query.empty()) w.raw(doc.query);
  if (command) ref(w, "#/components/parameters/IdempotencyKey");
  if (if_match) ref(w, "#/components/parameters/IfMatch");
  if (!command && !is_public) ref(w, "#/components/parameters/MinPosition");
  w.end_array();
  if (!doc.body.empty()) {
    w.key("requestBody").begin_object().key("required").boolean(doc.body_required).key("content").begin_object();
    w.key("application/json").begin_object().key("schema").begin_object();
    w.field("$ref", "#/components/schemas/" + doc.body).end_object().end_object().end_object().end_object();
  }
  w.key("responses").begin_object();
  if (r.operation == Operation::issue_portal_token) {
    // Not a command on an aggregate: a token is computed, nothing is recorded (docs/portal.md).
    success(w, "201", doc.ok_description, doc.ok_schema, {});
  } else if (doc.ok_schema == "Static") {
    success(w, "200", doc.ok_description, doc.ok_schema, {{"ETag", true}});
    w.key("304").begin_object().field("description", "not modified (If-None-Match named its ETag)").end_object();
  } else if (command) {
    // 200 for a change and for a retry with the same Idempotency-Key; 201 for a record created.
    if (doc.ok_schema == "StockItems")  // one movement per line: no single version to name
      success(w, "200", doc.ok_description, doc.ok_schema, {{"X-Position", true}});
    else
      success(w, "200", doc.ok == "201" ? "the original answer again (a retry with the same Idempotency-Key)" : doc.ok_description,
              doc.ok_schema, {{"ETag", true}, {"X-Position", true}});
    if (doc.ok == "201" || upsert)
      success(w, "201", doc.ok == "201" ? doc.ok_description : "created", doc.ok_schema,
              {{"ETag", true}, {"X-Position", true}, {"Location", true}});
  } else if (doc.ok_schema == "RequestView" || r.operation == Operation::read_master) {
    success(w, doc.ok, doc.ok_description, doc.ok_schema, {{"ETag", false}});  // not on an as_of view
  } else {
    success(w, doc.ok, doc.ok_description, doc.ok_schema, {});
  }
  // Before any route: a malformed request or target (400), a body over
  // 1 MiB (413), headers over their limit (431).
  std::set<int> errors{400, 413, 431};
  if (!is_public) errors.insert({401, 403, 503});        // no token; the role; the log or a store unavailable
  if (!is_public && !command) errors.insert({400, 504});  // a malformed X-Min-Position or query; not reached in 5 s
  if (r.pattern == "/readyz") errors.insert(503);
  if (has_id) errors.insert(404);
  if (command) errors.insert({400, 413, 415, 422});
  if (r.operation == Operation::act_on_request || r.operation == Operation::act_on_dispatch ||
      (r.operation == Operation::write_master && r.method == http::verb::post) ||
      (r.operation == Operation::move_stock && r.pattern.starts_with("/v1/stock/transfers")))
    errors.insert(409);
  if (if_match) errors.insert(412);
  for (int status : errors) {
    w.key(std::to_string(status));
    ref(w, "#/components/responses/Problem");
  }
  w.end_object().end_object();
}

// The path parameters of `pattern`: every {name} is one segment.
void path_parameters(JsonWriter& w, std::string_view pattern) {
  w.key("parameters").begin_array();
  for (size_t open = pattern.find('{'); open != std::string_view::npos; open = pattern.find('{', open + 1)) {
    const std::string_view name = pattern.substr(open + 1, pattern.find('}', open) - open - 1);
    w.begin_object().field("name", name).field("in", "path").key("required").boolean(true);
    w.key("schema").begin_object().field("type", "string").key("maxLength").integer(kMaxIdBytes);
    w.field("pattern", "^[A-Za-z0-9._:-]+$").end_object().end_object();
  }
  w.end_array();
}

// `doc` with `generated` (members, no braces) inserted first into the object that `key` opens.
void insert_members(std::string& doc, std::string_view key, const std::string& generated) {
  const size_t at = doc.find(key);
  if (at == std::string::npos || generated.empty()) return;
  const bool empty = doc[at + key.size()] == '}';
  doc.insert(at + key.size(), empty ? generated : generated + ",");
}

// The members a writer produced inside a `{...}` it opened: "{a,b}" -> "a,b".
std::string members(JsonWriter& w) {
  w.end_object();
  std::string s = w.take();
  return s.substr(1, s.size() - 2);
}

std::string build_document() {
  std::string doc(kDocument);
  JsonWriter schemas;
  schemas.begin_object();
  for (const AggregateKind& kind : all_kinds())
    if (kind.master()) master_schema(kind, schemas);
  insert_members(doc, "\"schemas\":{", members(schemas));

  // Every route, grouped by path in the order they are matched.
  std::vector<std::string_view> order;
  std::map<std::string_view, std::vector<const ApiService::Route*>> by_path;
  for (const ApiService::Route& r : ApiService::routes()) {
    if (!by_path.count(r.pattern)) order.push_back(r.pattern);
    by_path[r.pattern].push_back(&r);
  }
  JsonWriter paths;
  paths.begin_object();
  for (std::string_view pattern : order) {
    paths.key(pattern).begin_object();
    if (pattern.find('{') != std::string_view::npos) path_parameters(paths, pattern);
    for (const ApiService::Route* r : by_path[pattern]) {
      auto doc_for = doc_of(*r);
      // A route without words is a programming error the OpenAPI test names.
      if (!doc_for) doc_for = OperationDoc{r->method, std::string(pattern), "UNDOCUMENTED"};
      add_operation(paths, *r, *doc_for);
    }
    paths.end_object();
  }
  insert_members(doc, "\"paths\":{", members(paths));
  return doc;
}

}  // namespace

std::string_view openapi_document() {
  static const std::string doc = build_document();
  return doc;
}

}  // namespace aftercare
