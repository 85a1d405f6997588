-- One durable intake in PostgreSQL, the work aftercare does for POST /v1/requests:
-- store the event, upsert the request view (with its secondary indexes), in one
-- transaction committed with synchronous_commit=on.
\set n random(1, 2000000000)
BEGIN;
INSERT INTO events (request_id, sequence, type, body)
  VALUES ('R-' || :client_id || '-' || :n, 1, 'aftercare.request.opened.v1',
  '{"specversion":"1.0","id":"6f1c2a9e-3b7d-4c1e-9a55-0d2b8c4e7f10","source":"/aftercare","type":"aftercare.request.opened.v1","subject":"request/R-1","time":"2026-11-23T08:00:00.123Z","datacontenttype":"application/json","aggregateid":"R-1","sequence":1,"commandid":"0a6b5c4d-3e2f-4a1b-8c7d-6e5f4a3b2c1d","actor":"agent:ann","correlationid":"0a6b5c4d-3e2f-4a1b-8c7d-6e5f4a3b2c1d","prevhash":"0000000000000000000000000000000000000000000000000000000000000000","data":{"customer_id":"C-1001","channel":"phone","type":"repair","serial_no":"WM7-000123","product_model":"WM-7","problem_code":"E21","description":"drum does not spin","priority":"normal","required_by":null,"region":"north"}}');
INSERT INTO request_view (id, status, customer_id, region, engineer_id, body, version)
  VALUES ('R-' || :client_id || '-' || :n, 'awaiting_assignment', 'C-1001', 'north', NULL,
  '{"status":"awaiting_assignment","type":"repair","channel":"phone","customer_id":"C-1001","serial_no":"WM7-000123","product_model":"WM-7","problem_code":"E21","priority":"normal","region":"north","description":"drum does not spin"}', 1)
  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, body = EXCLUDED.body,
    version = request_view.version + 1;
END;
