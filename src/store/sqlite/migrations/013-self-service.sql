-- Account self-service (issue 11, part 3). A pool lets people create their own accounts only
-- when its administrator says so: off for every pool that exists, and for new ones.
ALTER TABLE pools ADD COLUMN sign_up_enabled INTEGER NOT NULL DEFAULT 0;

-- The audit record of a password change or reset, written in the transaction that writes the
-- new hash. Its own table rather than a session end with no sessions: session_ends is what
-- every node polls for revocations and what "an end" is counted by, and a change that keeps
-- every session ends nothing. When the change ended sessions, their session_ends row has the
-- same id (and their SETs the same txn).
CREATE TABLE credential_changes (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  credential_type TEXT NOT NULL,
  -- password_changed (the user) or admin_password_reset (an administrator)
  reason TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT,
  -- which sessions it was to end: others, all or none
  end_sessions TEXT NOT NULL,
  sessions_ended INTEGER NOT NULL,
  events INTEGER NOT NULL
);
CREATE INDEX credential_changes_pool_at ON credential_changes (pool_id, at DESC);
