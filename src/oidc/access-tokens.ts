// OIDC access tokens as RFC 9068 JWTs (issue 8), without giving up what oidc-provider does with
// its own tokens.
//
// oidc-provider keeps OIDC access tokens opaque: its JWT format is only for resource-server
// audiences, is refused at userinfo ("token audience prevents accessing the userinfo
// endpoint") and at introspection and revocation (lib/shared/reject_structured_tokens.js). So
// the library goes on issuing and storing its opaque tokens — tied to the grant, deleted by
// every session end, checked at userinfo, introspection and revocation — and Signoff changes
// only their representation at the edge:
//
// - at the token endpoint, the opaque value (the "handle") in the response is replaced by an
//   `at+jwt` that Signoff signs with the pool's key, carrying the same claims as the REST
//   sign-in's tokens plus `scope`, with the handle as its `jti` (RFC 9068 §2.2);
// - where an app presents a token (userinfo, introspection, revocation), a Signoff JWT is
//   verified — signature, issuer, pool, and the revocation index — and translated to the
//   handle, in a marked form that only this translation produces; the adapter finds handles
//   only in that form (src/oidc/adapter.ts), so a bare handle, which is the JWT's jti and may
//   end up in logs, opens nothing.
import type { Services } from '../domain/services.ts';

/** oidc-provider models whose values are handles behind Signoff JWTs. */
export const HANDLE_MODELS: ReadonlySet<string> = new Set(['AccessToken', 'ClientCredentials']);

// Not a JWT (no dots), so the library's structured-token check lets it through.
const MARK = 'signoff-handle~';

/** A value no lookup finds: what a refused JWT becomes, so that the library answers "inactive". */
const NOTHING = 'signoff-refused';

/** The handle inside a translated value, or null for anything else (a bare handle included). */
export function handleOfTranslated(value: string): string | null {
  return value.startsWith(MARK) ? value.slice(MARK.length) : null;
}

const isJWT = (value: string) => value.split('.').length === 3;

interface TokenEntity {
  jti: string;
  exp?: number;
  iat?: number;
  /** Seconds the token lives (the library's getter; `exp` is set only on some models). */
  expiration?: number;
  scope?: string;
  accountId?: string;
  clientId?: string;
  grantId?: string;
}

interface TokenResponseContext {
  oidc?: { route?: string; entities: Record<string, unknown> };
  status: number;
  body: unknown;
}

export function createAccessTokenTranslation(services: Services, poolId: string) {
  const { tokens, store } = services;

  /**
   * The value to hand the library in place of a token an app presented: a Signoff JWT of this
   * pool that verifies becomes its marked handle; a refused one becomes a value nothing finds;
   * anything else (refresh tokens) passes as it is.
   */
  function translate(presented: string): string {
    if (!isJWT(presented)) return presented;
    const user = tokens.verifyAccessToken(presented);
    if (user.ok) return user.claims.poolId === poolId ? MARK + user.claims.jti : NOTHING;
    const client = tokens.verifyClientToken(presented);
    if (client.ok) return client.claims.poolId === poolId ? MARK + client.claims.jti : NOTHING;
    return NOTHING;
  }

  /** Koa post-middleware work for the token endpoint: the handle in the response becomes a JWT. */
  async function represent(ctx: TokenResponseContext): Promise<void> {
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (typeof body?.access_token !== 'string') return;
    const { AccessToken: at, ClientCredentials: cc } = ctx.oidc.entities as {
      AccessToken?: TokenEntity;
      ClientCredentials?: TokenEntity;
    };
    if (cc && body.access_token === cc.jti) {
      body.access_token = await tokens.issueClientToken({
        poolId,
        clientId: cc.clientId!,
        jti: cc.jti,
        scope: cc.scope,
        exp: cc.exp ?? (cc.iat ?? Math.floor(services.clock.now() / 1000)) + (cc.expiration ?? 0),
      });
      return;
    }
    if (!at || body.access_token !== at.jti) return;
    const link = at.grantId ? await store.oidc.grantLink(poolId, at.grantId) : null;
    const session = link ? await services.sessions.get(poolId, link.sessionId) : null;
    if (!link || !session) {
      // Every grant is linked when the interaction makes it; a token without one would be
      // bound to no session and so escape logout. Never hand it out.
      throw new Error(`OIDC grant ${at.grantId ?? '(none)'} has no Signoff session`);
    }
    const issued = await tokens.issueAccessToken({
      poolId,
      userId: at.accountId!,
      appId: at.clientId!,
      sessionId: link.sessionId,
      appSessionId: link.appSessionId,
      notAfter: session.expiresAt,
      jti: at.jti,
      ...(at.scope ? { scope: at.scope } : {}),
      exp: at.exp ?? (at.iat ?? Math.floor(services.clock.now() / 1000)) + (at.expiration ?? 0),
    });
    // Before the token is handed out: a logout must revoke the session for as long as it lives.
    await store.sessions.recordToken(poolId, link.sessionId, issued.expiresAt);
    body.access_token = issued.token;
    // The JWT may end sooner than the handle (the session's absolute expiry): say when.
    body.expires_in = Math.max(0, Math.round((issued.expiresAt - services.clock.now()) / 1000));
  }

  return { translate, represent };
}

export type AccessTokenTranslation = ReturnType<typeof createAccessTokenTranslation>;
