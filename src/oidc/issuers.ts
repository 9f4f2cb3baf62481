// One OIDC issuer per user pool (CONTRACT §7): the default pool at $SIGNOFF_PUBLIC_URL/oidc,
// every other pool at $SIGNOFF_PUBLIC_URL/oidc/pools/{poolId}, each with its own provider,
// keys, clients, cookies and stored artifacts. Providers are built on first use and rebuilt
// when their pool's signing key changes (rotation).
import type { Services } from '../domain/services.ts';
import { buildPoolProvider, type PoolProvider, type SilentSignIn } from './provider.ts';

export const OIDC_PREFIX = '/oidc';
const POOLS_PREFIX = `${OIDC_PREFIX}/pools/`;
const POOL_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface Issuer extends PoolProvider {
  poolId: string;
  /** /oidc or /oidc/pools/{poolId} */
  path: string;
}

/** Where a request under /oidc goes: which pool's issuer, and the path inside it. */
export interface IssuerPath {
  poolId: string;
  path: string;
  /** The path below the issuer's, e.g. `/token` ('' for the issuer itself). */
  rest: string;
}

export function createIssuers(services: Services) {
  const built = new Map<string, Issuer>();

  /** The Signoff side of "is this browser signed in for this app" (cookie, kick, account). */
  async function silentSignIn(
    poolId: string,
    secret: string | undefined,
    clientId: string,
    accountId?: string,
  ): Promise<SilentSignIn> {
    const session = secret ? await services.sessions.fromCookie(secret) : null;
    if (!session || session.poolId !== poolId || services.index.has(session.id)) {
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

  /** The issuer of a pool that exists (and has a key), built or rebuilt as needed. */
  function forPool(poolId: string): Issuer | null {
    const kid = services.keys.signingKey(poolId)?.kid;
    if (!kid) return null;
    const current = built.get(poolId);
    if (current && current.kid === kid) return current;
    const path = services.issuerPathOf(poolId);
    const issuer: Issuer = {
      ...buildPoolProvider({
        services,
        poolId,
        isDefault: poolId === services.defaultPoolId(),
        path,
        silentSignIn: (secret, clientId, accountId) => silentSignIn(poolId, secret, clientId, accountId),
      }),
      poolId,
      path,
    };
    built.set(poolId, issuer);
    return issuer;
  }

  /**
   * The issuer a path under /oidc belongs to: /oidc/pools/{id}/… for that pool (a pool id that
   * is not one is null, never the default pool), anything else under /oidc for the default pool.
   */
  function resolve(pathname: string): IssuerPath | null {
    if (pathname.startsWith(POOLS_PREFIX)) {
      const after = pathname.slice(POOLS_PREFIX.length);
      const slash = after.indexOf('/');
      const poolId = slash === -1 ? after : after.slice(0, slash);
      if (!POOL_ID.test(poolId) || poolId === services.defaultPoolId()) return null;
      if (!services.keys.signingKey(poolId)) return null;
      return { poolId, path: `${POOLS_PREFIX}${poolId}`, rest: slash === -1 ? '' : after.slice(slash) };
    }
    const poolId = services.defaultPoolId();
    if (!poolId) return null;
    return { poolId, path: OIDC_PREFIX, rest: pathname.slice(OIDC_PREFIX.length) };
  }

  return { forPool, resolve, silentSignIn };
}

export type Issuers = ReturnType<typeof createIssuers>;
