-- Kicking users from an app sets app_sessions.ended_at on each of their app sessions. While
-- ended_at was in an index predicate (the partial index "live app sessions of an app's users"),
-- every such update was a full new row version plus an entry in every index: kicking 30,000
-- app sessions took 1.6 s. With ended_at in no index and room left on each page, PostgreSQL
-- updates in place (heap-only), as it already does for sessions (001). The new index serves
-- the same lookups (an app's sessions, a user's in an app); ended rows are filtered after it.
DROP INDEX app_sessions_live_app_user;
-- Without pool_id in front: app ids are unique across pools, and an index led by pool_id alone
-- would tempt the planner into walking a whole pool's app sessions for "the apps of these
-- sessions", which app_sessions_session answers directly.
CREATE INDEX app_sessions_app_user ON app_sessions (app_id, user_id);
-- Applies to pages written from now on; existing pages gain the room as they are rewritten.
ALTER TABLE app_sessions SET (fillfactor = 50);
