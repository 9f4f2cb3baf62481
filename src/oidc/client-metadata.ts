// A Signoff application as oidc-provider's client metadata (OIDC Dynamic Client Registration 1.0
// §2 names). Read live from the store on every lookup, so an edit in the API applies at once.
import type { AdapterPayload } from 'oidc-provider';
import type { App } from '../domain/model.ts';

/** Scopes a confidential app may ask for with client credentials: its own machine access. */
export const MACHINE_SCOPES = ['ssf'] as const;
/** Scopes of a user's sign-in. */
export const USER_SCOPES = ['openid', 'offline_access', 'email', 'profile'] as const;

export function clientMetadataOf(app: App): AdapterPayload | null {
  const confidential = app.tokenEndpointAuthMethod !== 'none';
  const signsIn = app.redirectUris.length > 0;
  // A public app without a redirect URI can do nothing at all; a confidential one can still
  // get tokens of its own (client credentials).
  if (!signsIn && !confidential) return null;
  return {
    client_id: app.id,
    client_name: app.name,
    redirect_uris: app.redirectUris,
    response_types: signsIn ? ['code'] : [],
    grant_types: [
      ...(signsIn ? ['authorization_code', 'refresh_token'] : []),
      ...(confidential ? ['client_credentials'] : []),
    ],
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    // The stored SHA-256 of the secret, never the secret (src/oidc/provider.ts compares a
    // presented secret with it): what the library would use the plain secret for besides —
    // client_secret_jwt, HS* signatures, symmetric encryption — is switched off there.
    ...(confidential ? { client_secret: app.secretHash } : {}),
    // ssf only for an app that may be a Shared Signals receiver: without it in the app's
    // scopes, the library grants a client-credentials token without it.
    scope: [...USER_SCOPES, ...(confidential && app.ssfEnabled ? MACHINE_SCOPES : [])].join(' '),
    // Declared so that ID tokens carry sid (the library includes it only for such clients).
    ...(app.backchannelLogoutUri
      ? { backchannel_logout_uri: app.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
}
