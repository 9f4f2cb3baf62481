-- One outbox for every notice (DESIGN.md principle 6): back-channel logout tokens and Shared
-- Signals SETs are rows of one table, written in the session end's transaction and delivered
-- by one worker with one retry policy. The back-channel rows move here unchanged.
--   kind:  'backchannel' (one per app session ended) | 'set' (one per stream and event)
--   route: where the row goes now — 'backchannel' (the app's back-channel URI), 'push' (the
--          stream's endpoint, RFC 8935), 'poll' (held for the receiver's poll, RFC 8936),
--          'held' (its stream is paused). A stream's status and delivery method move its
--          pending rows between routes; the worker claims only 'backchannel' and 'push'.
--   event_type, reason, detail: what a SET says (its formatter builds the claims at delivery).
CREATE TABLE notices (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  route TEXT NOT NULL,
  stream_id TEXT,
  event_type TEXT,
  session_id TEXT,
  user_id TEXT,
  end_id TEXT,
  reason TEXT,
  detail TEXT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  replayed_at INTEGER
);
INSERT INTO notices (id, pool_id, app_id, kind, route, session_id, user_id, end_id, status, attempts,
    next_attempt_at, last_error, created_at, delivered_at, replayed_at)
  SELECT id, pool_id, app_id, 'backchannel', 'backchannel', session_id, user_id, end_id, status, attempts,
    next_attempt_at, last_error, created_at, delivered_at, replayed_at
  FROM logout_deliveries;
DROP TABLE logout_deliveries;
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status = 'pending' AND route IN ('backchannel', 'push');
CREATE INDEX notices_app ON notices (pool_id, app_id, created_at DESC) WHERE kind = 'backchannel';
CREATE INDEX notices_stream ON notices (stream_id, created_at) WHERE stream_id IS NOT NULL;
