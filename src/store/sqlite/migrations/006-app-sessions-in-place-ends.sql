-- Kicking users from an app sets app_sessions.ended_at on each of their app sessions. While
-- ended_at was in an index predicate (the partial index "live app sessions of an app's users"),
-- SQLite had to take every kicked row out of that index as well. With ended_at in no index, an
-- end rewrites the row only. The new index serves the same lookups (an app's sessions, a
-- user's in an app); ended rows are filtered after it.
DROP INDEX app_sessions_live_app_user;
-- Without pool_id in front: app ids are unique across pools, and an index led by pool_id alone
-- would tempt the planner into walking a whole pool's app sessions for "the apps of these
-- sessions", which app_sessions_session answers directly.
CREATE INDEX app_sessions_app_user ON app_sessions (app_id, user_id);
