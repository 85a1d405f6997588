#include "api/openapi.h"

namespace aftercare {

std::string_view openapi_document() {
  static constexpr std::string_view kDocument = R"json({"openapi":"3.1.0",
"info":{"title":"aftercare","version":"1","description":"After-sales service platform: event-sourced command and query API."},
"servers":[{"url":"http://127.0.0.1:8080"}],
"components":{
 "securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},
 "schemas":{
  "Problem":{"type":"object","required":["type","title","status","detail"],"properties":{"type":{"type":"string"},"title":{"type":"string"},"status":{"type":"integer"},"detail":{"type":"string"},"current_status":{"type":"string"}}},
  "Customer":{"type":"object","required":["name","region"],"properties":{"id":{"type":"string","maxLength":64,"readOnly":true},"name":{"type":"string","maxLength":256},"phone":{"type":"string","maxLength":256},"email":{"type":"string","maxLength":256},"address":{"type":"string","maxLength":8192},"region":{"type":"string","maxLength":256},"tier":{"enum":["standard","silver","gold","platinum"]},"version":{"type":"integer","readOnly":true},"updated_at":{"type":"string","format":"date-time","readOnly":true}}},
  "Engineer":{"type":"object","required":["name","region","active"],"properties":{"id":{"type":"string","readOnly":true},"name":{"type":"string","maxLength":256},"outlet_id":{"type":"string","maxLength":256},"region":{"type":"string","maxLength":256},"skills":{"type":"array","items":{"type":"string"},"maxItems":64},"active":{"type":"boolean"},"version":{"type":"integer","readOnly":true},"updated_at":{"type":"string","format":"date-time","readOnly":true}}},
  "Unit":{"type":"object","required":["product_model","customer_id"],"properties":{"id":{"type":"string","readOnly":true,"description":"the serial number"},"product_model":{"type":"string","maxLength":256},"customer_id":{"type":"string","maxLength":64},"installed_at":{"type":"string","format":"date-time"},"warranty_until":{"type":"string","format":"date-time"},"version":{"type":"integer","readOnly":true},"updated_at":{"type":"string","format":"date-time","readOnly":true}}}
 },
 "parameters":{
  "IfMatch":{"name":"If-Match","in":"header","schema":{"type":"string"},"description":"Reject with 412 unless the record is at this version (\"<version>\")."},
  "MinPosition":{"name":"X-Min-Position","in":"header","schema":{"type":"string"},"description":"Wait (at most 5 s, else 504) until the read models have applied this position, as returned in X-Position."},
  "Id":{"name":"id","in":"path","required":true,"schema":{"type":"string","maxLength":64,"pattern":"^[A-Za-z0-9._:-]+$"}}
 },
 "responses":{
  "Problem":{"description":"An error","content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/Problem"}}}}
 }
},
"security":[{"bearer":[]}],
"paths":{
 "/healthz":{"get":{"security":[],"summary":"The process is up","responses":{"200":{"description":"up"}}}},
 "/readyz":{"get":{"security":[],"summary":"The log is reachable and the projections caught up within 1 s","responses":{"200":{"description":"ready"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/metrics":{"get":{"security":[],"summary":"Prometheus metrics","responses":{"200":{"description":"text format 0.0.4","content":{"text/plain":{}}}}}},
 "/openapi.json":{"get":{"security":[],"summary":"This document","responses":{"200":{"description":"OpenAPI 3.1"}}}},
 "/v1/customers/{id}":{
  "parameters":[{"$ref":"#/components/parameters/Id"}],
  "get":{"summary":"A customer","parameters":[{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"the record","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Customer"}}}},"404":{"$ref":"#/components/responses/Problem"},"504":{"$ref":"#/components/responses/Problem"}}},
  "put":{"summary":"Create or replace a customer (admin)","parameters":[{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Customer"}}}},"responses":{"200":{"description":"updated (or unchanged)"},"201":{"description":"created"},"400":{"$ref":"#/components/responses/Problem"},"403":{"$ref":"#/components/responses/Problem"},"412":{"$ref":"#/components/responses/Problem"},"413":{"$ref":"#/components/responses/Problem"},"415":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"},"503":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/engineers/{id}":{
  "parameters":[{"$ref":"#/components/parameters/Id"}],
  "get":{"summary":"An engineer","parameters":[{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"the record","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Engineer"}}}},"404":{"$ref":"#/components/responses/Problem"}}},
  "put":{"summary":"Create or replace an engineer (admin)","parameters":[{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Engineer"}}}},"responses":{"200":{"description":"updated"},"201":{"description":"created"},"400":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"}}}},
 "/v1/units/{id}":{
  "parameters":[{"$ref":"#/components/parameters/Id"}],
  "get":{"summary":"An installed unit by serial number","parameters":[{"$ref":"#/components/parameters/MinPosition"}],"responses":{"200":{"description":"the record","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Unit"}}}},"404":{"$ref":"#/components/responses/Problem"}}},
  "put":{"summary":"Create or replace an installed unit (admin)","parameters":[{"$ref":"#/components/parameters/IfMatch"}],"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Unit"}}}},"responses":{"200":{"description":"updated"},"201":{"description":"created"},"400":{"$ref":"#/components/responses/Problem"},"422":{"$ref":"#/components/responses/Problem"}}}}
}})json";
  return kDocument;
}

}  // namespace aftercare
