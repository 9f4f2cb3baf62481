-- The console (issue 11): the users of a pool a page at a time, newest first (the console's
-- Users page and GET /api/v2/users), and the dashboard's outbox counts of one pool, read from
-- an index alone — pending and failed rows whole, delivered ones over a window of
-- delivered_at — as notices_outcome does for every pool at once.
CREATE INDEX users_pool_created ON users (pool_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX notices_pool_outcome ON notices (pool_id, status, kind, delivered_at);
