#!/usr/bin/python3
"""Automatic dispatch over HTTP, durable, one keep-alive client: registers 5,000
engineers in one region, then opens and auto-dispatches N requests, printing
p50/p99 of the dispatch call and of GET dispatch-candidates.
  bench/dispatch_http.py PORT TOKEN N   (against a fresh `aftercare serve`)"""
import http.client, json, sys, time, statistics
port, token = sys.argv[1], sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", int(port))
H = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
def call(m, p, b=None):
    c.request(m, p, body=json.dumps(b) if b is not None else None, headers=H)
    r = c.getresponse(); d = r.read(); return r.status, d
assert call("PUT", "/v1/customers/C-1", {"name":"x","region":"north","location":{"lat":41.8,"lon":123.4}})[0] < 300
assert call("PUT", "/v1/products/WM-7", {"name":"w","category":"washer","required_skill":"washers","warranty_months":12})[0] < 300
for o in range(50):
    call("PUT", f"/v1/outlets/O-{o}", {"name":"o","region":"north"}); call("POST", f"/v1/outlets/O-{o}/certify", {"reason":"ok"})
t=time.time()
for i in range(5000):
    s,_ = call("PUT", f"/v1/engineers/E-{i}", {"name":"e","region":"north","active":True,"outlet_id":f"O-{i%50}","skills":["washers"],
        "location":{"lat":41.0+(i%100)*0.01,"lon":123.0+(i//100%100)*0.01},"max_open_dispatches":1000})
    assert s < 300, s
print(f"5000 engineers registered in {time.time()-t:.1f} s")
lat=[]; open_=[]
for i in range(int(sys.argv[3])):
    s,d = call("POST", "/v1/requests", {"customer_id":"C-1","channel":"phone","type":"repair","product_model":"WM-7"})
    rid = json.loads(d)["id"]
    t0=time.perf_counter(); s,d = call("POST", f"/v1/requests/{rid}/dispatch", {"mode":"auto"}); t1=time.perf_counter()
    assert s == 201, (s, d[:300])
    lat.append((t1-t0)*1000)
    t0=time.perf_counter(); s,d = call("GET", f"/v1/requests/{rid}/dispatch-candidates"); open_.append((time.perf_counter()-t0)*1000)
lat.sort(); open_.sort()
q=lambda v,p: v[min(len(v)-1,int(p*len(v)))]
print(f"POST dispatch auto (5000 engineers, durable, over HTTP): n={len(lat)} p50 {q(lat,.5):.2f} ms p99 {q(lat,.99):.2f} ms max {lat[-1]:.2f} ms")
print(f"GET dispatch-candidates (all 5000 ranked): p50 {q(open_,.5):.2f} ms p99 {q(open_,.99):.2f} ms")
