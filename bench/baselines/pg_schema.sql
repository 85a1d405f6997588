CREATE TABLE events (
  request_id text NOT NULL,
  sequence integer NOT NULL,
  type text NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (request_id, sequence)
);
CREATE TABLE request_view (
  id text PRIMARY KEY,
  status text NOT NULL,
  customer_id text NOT NULL,
  region text NOT NULL,
  engineer_id text,
  body jsonb NOT NULL,
  version integer NOT NULL
);
-- The list indexes aftercare keeps (status, customer, region, engineer).
CREATE INDEX ON request_view (status, id);
CREATE INDEX ON request_view (customer_id, id);
CREATE INDEX ON request_view (region, id);
CREATE INDEX ON request_view (engineer_id, id);
