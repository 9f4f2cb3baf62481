-- Bulk logouts page through a pool's live sessions in id order (keyset paging). Without an
-- index led by (pool_id, id) the planner reads every session of the pool and sorts them for
-- each page, which makes "log out everyone" quadratic in the pool's size.
CREATE INDEX sessions_pool_id ON sessions (pool_id, id);
