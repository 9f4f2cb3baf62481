-- What GET /metrics counts at every scrape (src/store/sql/notices.ts, bulk-logouts.ts), read
-- from indexes alone: the outbox by status and kind (pending and failed rows whole, delivered
-- rows over a recent window of delivered_at), and bulk logout jobs by status.
CREATE INDEX notices_outcome ON notices (status, kind, delivered_at);
CREATE INDEX bulk_logouts_status ON bulk_logouts (status);
