-- Deliveries are taken per endpoint (a few at a time each, so that a receiver that never
-- answers holds up no other): an endpoint's due deliveries in order, and those it holds. The
-- same as `migrations/postgres/0019_delivery_fairness.sql`.

CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, next_at, id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_held ON webhook_deliveries (endpoint_id, locked_until)
    WHERE status = 'pending';
