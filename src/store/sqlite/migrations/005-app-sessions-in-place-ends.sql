-- Kicking users from an app sets app_sessions.ended_at on each of their app sessions. While
-- ended_at was in an index predicate (the partial index "live app sessions of an app's users"),
-- SQLite had to take every kicked row out of that index as well. With ended_at in no index, an
-- end rewrites the row only. The index keeps the same columns and serves the same lookups;
-- ended rows are filtered after it.
DROP INDEX app_sessions_live_app_user;
CREATE INDEX app_sessions_app_user ON app_sessions (pool_id, app_id, user_id);
