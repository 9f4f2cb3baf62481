// The OpenID Connect provider of the default pool (CONTRACT §7): oidc-provider, a certified
// OP, configured onto Signoff's store, keys, users and applications. Signoff keeps for
// itself what the library does not do the way Signoff promises: sessions (an OIDC login is a
// Signoff session with an app session), end session (through the session core), and
// back-channel logout (the outbox worker, with retries).
import { createHmac } from 'node:crypto';
import Provider, { type AdapterPayload, type Configuration, interactionPolicy } from 'oidc-provider';
import type { Session } from '../domain/model.ts';
import type { Services } from '../domain/services.ts';
import { oidcProblemPage } from '../http/pages/end-session-view.ts';
import { contentSecurityPolicy } from '../http/pages/page-reply.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { createAdapterClass } from './adapter.ts';

export const OIDC_PREFIX = '/oidc';

export interface OIDCOptions {
  services: Services;
  trustProxy: boolean;
}

/** Whether the browser's Signoff session may sign in to this client without a password. */
export type SilentSignIn =
  | { ok: true; session: Session }
  | { ok: false; reason: 'no_session' | 'other_account' | 'reauthenticate' };

export function createOIDC(options: OIDCOptions) {
  const { services } = options;
  const { store, clock, settings } = services;

  function poolId(): string {
    const id = services.defaultPoolId();
    if (!id) throw new Error('no default pool yet');
    return id;
  }

  /** The Signoff side of "is this browser signed in for this app" (cookie, kick, account). */
  async function silentSignIn(
    secret: string | undefined,
    clientId: string,
    accountId?: string,
  ): Promise<SilentSignIn> {
    const session = secret ? await services.sessions.fromCookie(secret) : null;
    if (!session || session.poolId !== poolId() || services.index.has(session.id)) {
      return { ok: false, reason: 'no_session' };
    }
    if (accountId !== undefined && accountId !== session.userId)
      return { ok: false, reason: 'other_account' };
    // After an app-scoped end (an admin kick), only the password brings the user back into
    // that app: silent SSO from the surviving session is refused (DESIGN.md principle 4).
    const latest = await services.sessions.latestAppSession(session, clientId);
    if (latest?.endedAt != null && latest.endedAt >= session.authenticatedAt) {
      return { ok: false, reason: 'reauthenticate' };
    }
    return { ok: true, session };
  }

  async function clientMetadata(clientId: string): Promise<AdapterPayload | null> {
    const app = await services.apps.get(poolId(), clientId);
    if (!app || app.redirectUris.length === 0) return null;
    return {
      client_id: app.id,
      client_name: app.name,
      redirect_uris: app.redirectUris,
      post_logout_redirect_uris: app.logoutRedirectUris,
      // Signoff keeps application secrets hashed, which OAuth client authentication by
      // shared secret cannot use: OIDC clients are public and must use PKCE (RFC 7636).
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // Declared so that ID tokens carry sid (the library includes it only for such clients).
      ...(app.backchannelLogoutUri
        ? { backchannel_logout_uri: app.backchannelLogoutUri, backchannel_logout_session_required: true }
        : {}),
    };
  }

  const Adapter = createAdapterClass({ store, clock, clientMetadata });

  function buildProvider(): { provider: Provider; kid: string } {
    const pool = poolId();
    const signing = services.keys.signingKey(pool);
    if (!signing) throw new Error(`pool ${pool} has no signing key`);
    const privateKeys = [signing, ...services.keys.all(pool).filter((k) => k.kid !== signing.kid)].map(
      (k) => ({ ...k.privateJwk, kid: k.kid, alg: 'RS256', use: 'sig' }),
    );

    const policy = interactionPolicy.base();
    policy.get('login')?.checks.add(
      new interactionPolicy.Check(
        'signoff_session',
        'the Signoff session is missing, ended, of another account, or must re-authenticate for this app',
        async (ctx) => {
          const result = await silentSignIn(
            ctx.cookies.get(SESSION_COOKIE),
            ctx.oidc.client?.clientId ?? '',
            ctx.oidc.session?.accountId,
          );
          return result.ok
            ? interactionPolicy.Check.NO_NEED_TO_PROMPT
            : interactionPolicy.Check.REQUEST_PROMPT;
        },
      ),
    );

    const configuration: Configuration = {
      adapter: Adapter,
      async findAccount(_ctx, sub) {
        const user = await store.users.get(pool, sub);
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
      scopes: ['openid', 'offline_access', 'email', 'profile'],
      jwks: { keys: privateKeys as never },
      enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
      features: {
        devInteractions: { enabled: false },
        introspection: { enabled: true },
        revocation: { enabled: true },
        // The end_session route itself is Signoff's (src/oidc/end-session.ts): it goes through
        // the session core. Enabled so that discovery advertises it.
        rpInitiatedLogout: { enabled: true },
        // On for the client metadata and discovery only: logout tokens are sent by Signoff's
        // outbox worker, with retries. The library's one-shot sender runs in its end-session
        // confirm step, which Signoff's own end session (src/oidc/routes.ts) replaces.
        backchannelLogout: { enabled: true },
      },
      pkce: { required: () => true },
      interactions: {
        url: (_ctx, interaction) => `${OIDC_PREFIX}/interaction/${interaction.uid}`,
        policy,
      },
      cookies: {
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
        AuthorizationCode: 60,
        IdToken: settings.accessTokenTTL,
        Interaction: 600,
        RefreshToken: settings.sessionAbsoluteTTL,
        Session: settings.sessionAbsoluteTTL,
        Grant: settings.sessionAbsoluteTTL,
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: true,
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.set('content-security-policy', contentSecurityPolicy());
        ctx.body = oidcProblemPage(
          'Sign-in could not continue',
          `${out.error_description ?? 'The request could not be completed.'} (${out.error ?? 'error'})`,
        ).text;
      },
    };
    const provider = new Provider(`${settings.publicUrl}${OIDC_PREFIX}`, configuration);
    provider.proxy = options.trustProxy;
    return { provider, kid: signing.kid };
  }

  let current: { provider: Provider; kid: string } | null = null;
  /** The provider, rebuilt when the pool's signing key changes (rotation). */
  function provider(): Provider {
    const kid = services.keys.signingKey(poolId())?.kid;
    if (!current || current.kid !== kid) current = buildProvider();
    return current.provider;
  }

  return { provider, silentSignIn, poolId, issuer: () => `${settings.publicUrl}${OIDC_PREFIX}` };
}

export type OIDC = ReturnType<typeof createOIDC>;
