-- Signoff schema v1 (SQLite). Times are epoch milliseconds; JSON columns are TEXT.
CREATE TABLE pools (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE admins (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES pools(id),
  name TEXT NOT NULL,
  identifier TEXT,
  secret_hash TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  logout_redirect_uris TEXT NOT NULL,
  backchannel_logout_uri TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE INDEX apps_pool ON apps (pool_id) WHERE deleted_at IS NULL;

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES pools(id),
  username TEXT,
  email TEXT,
  name TEXT,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE UNIQUE INDEX users_username ON users (pool_id, username) WHERE deleted_at IS NULL AND username IS NOT NULL;
CREATE UNIQUE INDEX users_email ON users (pool_id, email) WHERE deleted_at IS NULL AND email IS NOT NULL;

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES pools(id),
  alg TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES pools(id),
  user_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  user_agent TEXT,
  ip TEXT,
  device TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_active_at INTEGER NOT NULL,
  idle_expires_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT
);
-- Ending a session writes only ended_at and end_reason, which no index covers (not even in a
-- partial index's predicate): a bulk end of tens of thousands of rows then rewrites no index
-- entry (PostgreSQL does heap-only updates). idle_expires_at is kept at or before expires_at,
-- so that one index finds every expired session; the sweeper reads it by time window.
CREATE INDEX sessions_user ON sessions (pool_id, user_id);
CREATE INDEX sessions_idle_expiry ON sessions (idle_expires_at);

-- An app session is live while it and its session are both live: ending a whole session
-- does not rewrite its app sessions; ended_at here records an end of this app only (a kick).
CREATE TABLE app_sessions (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  pool_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_active_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT
);
CREATE INDEX app_sessions_session ON app_sessions (session_id);
CREATE INDEX app_sessions_live_app_user ON app_sessions (pool_id, app_id, user_id) WHERE ended_at IS NULL;

CREATE TABLE session_ends (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT,
  sessions INTEGER NOT NULL,
  app_sessions INTEGER NOT NULL,
  apps TEXT NOT NULL,
  -- JSON array of the ids every node adds to its revocation index: session ids for
  -- whole-session ends, app-session ids for ends in one app. Nodes poll this.
  revoked TEXT NOT NULL
);
CREATE INDEX session_ends_pool_at ON session_ends (pool_id, at DESC);
CREATE INDEX session_ends_at ON session_ends (at);

-- The back-channel logout outbox: one row per ended app session whose app has a
-- back-channel URI, written in the transaction that ends it. Its id is the app session's.
CREATE TABLE logout_deliveries (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  end_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX logout_deliveries_app ON logout_deliveries (pool_id, app_id, created_at DESC);
