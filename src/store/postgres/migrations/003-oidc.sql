-- OpenID Connect artifacts (oidc-provider's models: sessions, grants, codes, tokens,
-- interactions) stored as whole JSON payloads, indexed by what the provider looks them up by.
CREATE TABLE oidc_payloads (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  grant_id TEXT,
  uid TEXT,
  user_code TEXT,
  expires_at BIGINT,
  consumed_at BIGINT,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payloads_expiry ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;

-- Which Signoff session and app session an OIDC grant belongs to: ending either deletes the
-- grant and every code and token issued under it, in the session core's transaction.
CREATE TABLE oidc_grants (
  grant_id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  app_session_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX oidc_grants_session ON oidc_grants (session_id);
CREATE INDEX oidc_grants_app_session ON oidc_grants (app_session_id);

-- When the user last proved who they are (password) on this session: a forced re-login
-- (prompt=login, max_age, or an app that kicked the user) needs a proof newer than its request.
ALTER TABLE sessions ADD COLUMN authenticated_at BIGINT;
