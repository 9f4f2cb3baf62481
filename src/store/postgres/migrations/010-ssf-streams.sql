-- Shared Signals (SSF 1.0 §8): event streams. A receiver is an app; a stream belongs to it
-- (its aud is the app id) and carries only events about the app's users and sessions.
CREATE TABLE ssf_streams (
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  -- urn:ietf:rfc:8935 (push) or urn:ietf:rfc:8936 (poll)
  method TEXT NOT NULL,
  -- push: the receiver's endpoint and the Authorization header it asked for (sent back to it
  -- with every SET, so it is kept as given); poll: null (the endpoint is Signoff's)
  endpoint_url TEXT,
  authorization_header TEXT,
  -- JSON arrays of event type URIs; requested null = not given (every supported event)
  events_requested TEXT,
  events_delivered TEXT NOT NULL,
  description TEXT,
  status TEXT NOT NULL,
  status_reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_polled_at BIGINT,
  last_verification_at BIGINT
);
CREATE INDEX ssf_streams_app ON ssf_streams (app_id, pool_id);

-- default_subjects is ALL: every app user is on a stream until the receiver removes them.
CREATE TABLE ssf_stream_exclusions (
  stream_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (stream_id, user_id)
);

-- An app may be kept off Shared Signals: no client-credentials ssf scope, no events queued.
ALTER TABLE apps ADD COLUMN ssf_enabled INTEGER NOT NULL DEFAULT 1;
