// One pool's OpenID Provider (CONTRACT §7): oidc-provider, a certified OP, configured onto
// Signoff's store, keys, users and applications. Signoff keeps for itself what the library
// does not do the way Signoff promises: sessions (an OIDC login is a Signoff session with an
// app session), end session (through the session core), back-channel logout (the outbox
// worker, with retries) and the access tokens' representation (src/oidc/access-tokens.ts).
import { createHmac } from 'node:crypto';
import Provider, { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { secretMatches } from '../domain/ids.ts';
import type { Services } from '../domain/services.ts';
import { STORE_RETRY_AFTER_SECONDS } from '../http/errors.ts';
import { oidcProblemPage } from '../http/pages/end-session-view.ts';
import { contentSecurityPolicy } from '../http/pages/page-reply.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { isConnectionFailure } from '../store/unavailable.ts';
import { createAccessTokenTranslation } from './access-tokens.ts';
import { createAdapterClass } from './adapter.ts';
import { clientMetadataOf, MACHINE_SCOPES, USER_SCOPES } from './client-metadata.ts';
import type { SilentSignIn } from './issuers.ts';

/** What discovery advertises, and all the library accepts: only what an app can use. */
const RS256_ONLY = ['RS256'];
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/** oidc-provider's cookie names for a pool: the default pool keeps the library's own. */
export function providerCookieNames(poolId: string, isDefault: boolean) {
  const suffix = isDefault ? '' : `_${poolId}`;
  return {
    session: `_session${suffix}`,
    interaction: `_interaction${suffix}`,
    resume: `_interaction_resume${suffix}`,
  };
}

export interface PoolProviderInput {
  services: Services;
  poolId: string;
  isDefault: boolean;
  /** The issuer's path under the public URL: /oidc or /oidc/pools/{poolId}. */
  path: string;
  silentSignIn(secret: string | undefined, clientId: string, accountId?: string): Promise<SilentSignIn>;
}

export function buildPoolProvider(input: PoolProviderInput) {
  const { services, poolId, path } = input;
  const { store, clock, settings } = services;
  const issuer = `${settings.publicUrl}${path}`;
  const signing = services.keys.signingKey(poolId);
  if (!signing) throw new Error(`pool ${poolId} has no signing key`);
  const privateKeys = [signing, ...services.keys.all(poolId).filter((k) => k.kid !== signing.kid)].map(
    (k) => ({ ...k.privateJwk, kid: k.kid, alg: 'RS256', use: 'sig' }),
  );
  const translation = createAccessTokenTranslation(services, poolId);

  const Adapter = createAdapterClass({
    store,
    clock,
    poolId,
    async clientMetadata(clientId) {
      const app = await services.apps.get(poolId, clientId);
      return app ? clientMetadataOf(app) : null;
    },
  });

  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check(
      'signoff_session',
      'the Signoff session is missing, ended, of another account, or must re-authenticate for this app',
      async (ctx) => {
        const result = await input.silentSignIn(
          ctx.cookies.get(SESSION_COOKIE),
          ctx.oidc.client?.clientId ?? '',
          ctx.oidc.session?.accountId,
        );
        return result.ok ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
      },
    ),
  );

  const configuration: Configuration = {
    adapter: Adapter,
    async findAccount(_ctx, sub) {
      const user = await store.users.get(poolId, sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            ...(user.email ? { email: user.email, email_verified: false } : {}),
            ...(user.username ? { preferred_username: user.username } : {}),
            ...(user.name ? { name: user.name } : {}),
          };
        },
      };
    },
    claims: {
      // sid in ID tokens is what lets an app match a back-channel logout token to its login.
      sid: null,
      auth_time: null,
      acr: null,
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    scopes: [...USER_SCOPES, ...MACHINE_SCOPES],
    jwks: { keys: privateKeys as never },
    responseTypes: ['code'],
    clientAuthMethods: CLIENT_AUTH_METHODS as never,
    // RS256 with the pool's keys, and nothing keyed by a client secret: Signoff stores only its
    // hash, so client_secret_jwt and HS* (which need the plain secret) are not offered.
    enabledJWA: {
      idTokenSigningAlgValues: RS256_ONLY as never,
      userinfoSigningAlgValues: RS256_ONLY as never,
      introspectionSigningAlgValues: RS256_ONLY as never,
      authorizationSigningAlgValues: RS256_ONLY as never,
      requestObjectSigningAlgValues: RS256_ONLY as never,
      clientAuthSigningAlgValues: RS256_ONLY as never,
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    features: {
      devInteractions: { enabled: false },
      // An app may introspect the tokens issued to it, and no other app's (RFC 7662 §4 leaves
      // the policy to the server; one app of a pool has no business reading another's).
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      // End session is Signoff's own route (src/oidc/end-session-routes.ts), through the
      // session core; the library's is off, so no path reaches it (discovery names Signoff's).
      rpInitiatedLogout: { enabled: false },
      // On for the client metadata and discovery only: logout tokens are sent by Signoff's
      // outbox worker, with retries. The library's one-shot sender runs only in its own end
      // session, which is off.
      backchannelLogout: { enabled: true },
      // Off, so that discovery lists nothing Signoff's access tokens would not honour: its JWTs
      // carry no DPoP binding (cnf), and PAR is not part of what Signoff tests and documents.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    },
    discovery: { end_session_endpoint: `${issuer}/session/end` },
    // PKCE (RFC 7636) protects a public app's code; confidential apps may use it too.
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    interactions: {
      url: (_ctx, interaction) => `${path}/interaction/${interaction.uid}`,
      policy,
    },
    cookies: {
      names: providerCookieNames(poolId, input.isDefault),
      // Cookie signing keys every node derives alike from the pool's private signing keys:
      // the newest signs, the older ones still verify (so a rotation logs nobody out).
      keys: privateKeys.map((k) =>
        createHmac('sha256', String((k as { d?: string }).d))
          .update('signoff oidc cookies')
          .digest('base64url'),
      ),
      long: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' },
      short: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' },
    },
    ttl: {
      AccessToken: settings.accessTokenTTL,
      ClientCredentials: settings.accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: settings.accessTokenTTL,
      Interaction: 600,
      RefreshToken: settings.sessionAbsoluteTTL,
      Session: settings.sessionAbsoluteTTL,
      Grant: settings.sessionAbsoluteTTL,
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // CORS for browser apps at the token, userinfo and revocation endpoints: a public app (an
    // SPA) from the origins of its redirect URIs; userinfo for any app from those origins.
    // Confidential apps call from their servers. (The library's suggested policy, made explicit.)
    clientBasedCORS: (ctx, origin, client) =>
      origin !== 'null' &&
      (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') &&
      (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.set('content-security-policy', contentSecurityPolicy());
      ctx.body = oidcProblemPage(
        'Sign-in could not continue',
        `${out.error_description ?? 'The request could not be completed.'} (${out.error ?? 'error'})`,
      ).text;
    },
  };

  const provider = new Provider(issuer, configuration);
  // The mount (src/oidc/mount.ts) sets Host and X-Forwarded-* from SIGNOFF_PUBLIC_URL on every
  // request it hands over, so every URL the library writes derives from the public URL.
  provider.proxy = true;

  // The library's supported extension point for stored client secrets (Client#compareClientSecret,
  // awaited by lib/shared/client_auth.js): the metadata's client_secret is the SHA-256 Signoff
  // stores, and a presented secret is hashed and compared in constant time (src/domain/ids.ts).
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret?: string },
    actual: string,
  ) {
    return typeof this.clientSecret === 'string' && secretMatches(actual, this.clientSecret);
  };

  // Every ID token names its Signoff session (sid), not only those of apps with a back-channel
  // URI (the library's default: Back-Channel Logout 1.0 §2.1 backchannel_logout_session_required):
  // the access tokens carry it for every app, and apps match both, and a logout token, by it.
  provider.Client.prototype.includeSid = () => true;

  // The library answers any fault 500 server_error. One that is a store outage is answered
  // as Signoff's own routes answer it (503 with Retry-After; JSON endpoints say
  // temporarily_unavailable, RFC 6749 §4.1.2.1's word for it), so that clients retry.
  provider.on('server_error', (ctx, error) => {
    if (isConnectionFailure(error)) (ctx.state as { storeUnavailable?: boolean }).storeUnavailable = true;
  });
  provider.use(async (ctx, next) => {
    await next();
    if ((ctx.state as { storeUnavailable?: boolean }).storeUnavailable && ctx.status === 500) {
      ctx.status = 503;
      ctx.set('retry-after', String(STORE_RETRY_AFTER_SECONDS));
      if (
        ctx.body &&
        typeof ctx.body === 'object' &&
        (ctx.body as { error?: string }).error === 'server_error'
      ) {
        ctx.body = {
          error: 'temporarily_unavailable',
          error_description: 'The store is unavailable; retry shortly',
        };
      }
      return;
    }
    await translation.represent(ctx as unknown as KoaContextWithOIDC);
  });

  return { provider, kid: signing.kid, issuer, translation };
}

export type PoolProvider = ReturnType<typeof buildPoolProvider>;
