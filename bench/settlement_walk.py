#!/usr/bin/env python3
"""Times an outlet's settlement: the totals (first page), then every line,
page by page (limit 500), as a settlement clerk's export would read it.

    settlement_walk.py PORT TOKEN OUTLET MONTH
prints: totals <ms> ms; lines <n> in <pages> pages, <s> s; <visits> visits
"""
import http.client, json, sys, time, urllib.parse

port, token, outlet, month = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
conn = http.client.HTTPConnection("127.0.0.1", int(port))
headers = {"Authorization": "Bearer " + token}


def page(cursor, limit):
    q = {"month": month, "limit": str(limit)}
    if cursor:
        q["cursor"] = cursor
    conn.request("GET", f"/v1/outlets/{outlet}/settlement?" + urllib.parse.urlencode(q), headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit(f"settlement: {r.status} {body[:200]!r}")
    return json.loads(body)


start = time.perf_counter()
first = page(None, 1)
totals_ms = (time.perf_counter() - start) * 1000
start = time.perf_counter()
lines, pages, cursor = 0, 0, None
while True:
    p = page(cursor, 500)
    lines += len(p["items"])
    pages += 1
    cursor = p["next_cursor"]
    if cursor is None:
        break
walk = time.perf_counter() - start
print(f"totals {totals_ms:.1f} ms; lines {lines} in {pages} pages, {walk:.2f} s; {first['totals']['visits']} visits, payable {first['payable']}")
