// Access tokens (end users, per app) and pool administrator tokens. Both are RS256 JWTs
// signed with the pool's key; they are told apart by `typ` (RFC 9068 `at+jwt` for access
// tokens) and audience, so an end-user token is never accepted as an admin token.
import { SignJWT } from 'jose';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import { createJWTVerifier } from './jwt.ts';
import type { KeyRing } from './key-ring.ts';
import type { RevocationIndex } from './revocation-index.ts';

export const ADMIN_AUDIENCE = 'signoff:management';
const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  poolId: string;
  userId: string;
  appId: string;
  sessionId: string;
  appSessionId: string;
  jti: string;
  /** Seconds since the epoch. */
  exp: number;
}

export type AccessCheck =
  | { ok: true; claims: AccessClaims }
  | {
      ok: false;
      reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'wrong_type' | 'revoked';
    };

export type AdminCheck =
  | { ok: true; poolId: string; exp: number }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'wrong_type' };

export interface ClientClaims {
  poolId: string;
  clientId: string;
  scopes: string[];
  jti: string;
  exp: number;
}

export type ClientCheck =
  | { ok: true; claims: ClientClaims }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'wrong_type' };

export interface TokenService {
  /**
   * An end user's access token for an app (RFC 9068 `at+jwt`), from the REST sign-in or, with
   * `jti`, `scope` and `exp` set by the OIDC token endpoint, for an OIDC grant: the same claims
   * and rules either way, so one JWKS and one verifier serve both.
   */
  issueAccessToken(input: {
    poolId: string;
    userId: string;
    appId: string;
    sessionId: string;
    appSessionId: string;
    /** The session's absolute expiry (ms): no token outlives its session. */
    notAfter: number;
    jti?: string;
    scope?: string;
    /** Expiry (seconds since the epoch); at most the configured lifetime from now. */
    exp?: number;
  }): Promise<{ token: string; expiresAt: number }>;
  /** An app's own token (OIDC client credentials): no user, no session; `sub` is the app. */
  issueClientToken(input: {
    poolId: string;
    clientId: string;
    jti: string;
    scope: string | undefined;
    exp: number;
  }): Promise<string>;
  verifyClientToken(token: string): ClientCheck;
  issueAdminToken(poolId: string): Promise<{ accessToken: string; iat: number; exp: number }>;
  verifyAccessToken(token: string): AccessCheck;
  verifyAdminToken(token: string): AdminCheck;
  jwks(poolId: string): ReturnType<KeyRing['jwks']>;
}

export interface TokenServiceDeps {
  keys: KeyRing;
  index: RevocationIndex;
  clock: Clock;
  issuerOf: (poolId: string) => string;
  accessTokenTTL: number;
  adminTokenTTL: number;
  /** Tokens whose signature check is remembered (0 turns the cache off; the benchmark's cold path). */
  verifiedCacheSize?: number;
}

export function createTokenService(deps: TokenServiceDeps): TokenService {
  const { keys, index, clock, issuerOf } = deps;
  const verifyJWT = createJWTVerifier(keys, { cacheSize: deps.verifiedCacheSize ?? 10_000 });

  function signingKey(poolId: string) {
    const key = keys.signingKey(poolId);
    if (!key) throw new Error(`pool ${poolId} has no signing key`);
    return key;
  }

  return {
    async issueAccessToken(input) {
      const key = signingKey(input.poolId);
      const iat = Math.floor(clock.now() / 1000);
      const exp = Math.min(
        iat + deps.accessTokenTTL,
        input.exp ?? Number.POSITIVE_INFINITY,
        Math.floor(input.notAfter / 1000),
      );
      const token = await new SignJWT({
        client_id: input.appId,
        sid: input.sessionId,
        asid: input.appSessionId,
        pool: input.poolId,
        ...(input.scope ? { scope: input.scope } : {}),
      })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(issuerOf(input.poolId))
        .setSubject(input.userId)
        .setAudience(input.appId)
        .setJti(input.jti ?? newId())
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key.privateKey);
      return { token, expiresAt: exp * 1000 };
    },

    async issueClientToken(input) {
      const key = signingKey(input.poolId);
      const iat = Math.floor(clock.now() / 1000);
      return new SignJWT({
        client_id: input.clientId,
        pool: input.poolId,
        ...(input.scope ? { scope: input.scope } : {}),
      })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(issuerOf(input.poolId))
        .setSubject(input.clientId)
        .setAudience(input.clientId)
        .setJti(input.jti)
        .setIssuedAt(iat)
        .setExpirationTime(Math.min(input.exp, iat + deps.accessTokenTTL))
        .sign(key.privateKey);
    },

    verifyClientToken(token) {
      const checked = verifyJWT(token, Math.floor(clock.now() / 1000));
      if (!checked.ok) return checked;
      const { header, payload, key } = checked;
      const { sub, client_id: clientId, sid, pool, jti, exp, scope } = payload;
      if (
        header.typ !== ACCESS_TOKEN_TYPE ||
        pool !== key.poolId ||
        payload.iss !== issuerOf(key.poolId) ||
        sid !== undefined ||
        typeof sub !== 'string' ||
        sub !== clientId ||
        typeof jti !== 'string' ||
        (scope !== undefined && typeof scope !== 'string')
      ) {
        return { ok: false, reason: 'wrong_type' };
      }
      return {
        ok: true,
        claims: {
          poolId: key.poolId,
          clientId: sub,
          scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
          jti,
          exp: exp!,
        },
      };
    },

    async issueAdminToken(poolId) {
      const key = signingKey(poolId);
      const iat = Math.floor(clock.now() / 1000);
      const exp = iat + deps.adminTokenTTL;
      const accessToken = await new SignJWT({ pool: poolId, scope: 'pool:admin' })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(issuerOf(poolId))
        .setSubject(poolId)
        .setAudience(ADMIN_AUDIENCE)
        .setJti(newId())
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key.privateKey);
      return { accessToken, iat, exp };
    },

    verifyAccessToken(token) {
      const checked = verifyJWT(token, Math.floor(clock.now() / 1000));
      if (!checked.ok) return checked;
      const { header, payload, key } = checked;
      const { sub, aud, sid, asid, pool, jti, exp } = payload;
      if (
        header.typ !== ACCESS_TOKEN_TYPE ||
        pool !== key.poolId ||
        payload.iss !== issuerOf(key.poolId) ||
        typeof sub !== 'string' ||
        typeof aud !== 'string' ||
        typeof sid !== 'string' ||
        typeof asid !== 'string' ||
        typeof jti !== 'string'
      ) {
        return { ok: false, reason: 'wrong_type' };
      }
      // The revocation check: the whole session ended, or this app's part of it did.
      if (index.has(sid) || index.has(asid)) return { ok: false, reason: 'revoked' };
      return {
        ok: true,
        claims: {
          poolId: key.poolId,
          userId: sub,
          appId: aud,
          sessionId: sid,
          appSessionId: asid,
          jti,
          exp: exp!,
        },
      };
    },

    verifyAdminToken(token) {
      const checked = verifyJWT(token, Math.floor(clock.now() / 1000));
      if (!checked.ok) return checked;
      const { header, payload, key } = checked;
      if (
        header.typ !== 'JWT' ||
        payload.aud !== ADMIN_AUDIENCE ||
        payload.scope !== 'pool:admin' ||
        payload.pool !== key.poolId ||
        payload.sub !== key.poolId ||
        payload.iss !== issuerOf(key.poolId)
      ) {
        return { ok: false, reason: 'wrong_type' };
      }
      return { ok: true, poolId: key.poolId, exp: payload.exp! };
    },

    jwks: (poolId) => keys.jwks(poolId),
  };
}
