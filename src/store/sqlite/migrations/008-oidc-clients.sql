-- Issue 8: every kind of app is an OIDC client. How an app authenticates at the token
-- endpoint: 'client_secret_basic' or 'client_secret_post' (a confidential app, with the secret
-- POST /api/v2/applications returned), or 'none' (a public app: SPA or native, PKCE required).
-- Apps that exist already were public clients (the only kind before), so they stay 'none' and
-- keep working; new apps are created confidential by the application service.
ALTER TABLE apps ADD COLUMN token_endpoint_auth_method TEXT NOT NULL DEFAULT 'none';

-- One OIDC issuer per pool: every oidc-provider artifact belongs to the pool whose issuer made
-- it, and is found only there. Artifacts written before were the default (first) pool's.
ALTER TABLE oidc_payloads ADD COLUMN pool_id TEXT;
UPDATE oidc_payloads SET pool_id = (SELECT id FROM pools ORDER BY created_at, id LIMIT 1);
