-- Administrator console sign-ins (issue 4): the cookie holds a random secret, the row its
-- SHA-256, so a copy of the database cannot be replayed as a cookie. Kept in the store (not in
-- memory) so that a console session survives a restart and works on every node.
CREATE TABLE console_sessions (
  secret_hash TEXT PRIMARY KEY,
  admin_id TEXT NOT NULL REFERENCES admins(id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
