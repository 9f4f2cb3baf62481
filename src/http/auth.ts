// Who is calling: an end user (Bearer access token or the SSO cookie) or a pool administrator
// (Bearer admin token + x-authing-userpool-id). Route handlers call these and get a
// principal or a 401/403; no route reads credentials by itself.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/model.ts';
import type { Services } from '../domain/services.ts';
import { errors } from './errors.ts';
import { readSessionCookie } from './session-cookie.ts';

export interface UserPrincipal {
  poolId: string;
  userId: string;
  sessionId: string;
  /** Set when authenticated by an access token. */
  appId: string | null;
  appSessionId: string | null;
  token: string | null;
  via: 'token' | 'cookie';
}

export const POOL_HEADER = 'x-authing-userpool-id';
export const APP_HEADER = 'x-authing-app-id';

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}

export function headerValue(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The end user behind a request, or null. A present but bad Bearer token never falls back to the cookie. */
export async function findUser(services: Services, request: FastifyRequest): Promise<UserPrincipal | null> {
  const token = bearer(request);
  const poolHeader = headerValue(request, POOL_HEADER);
  let principal: UserPrincipal | null = null;
  if (token !== null) {
    const checked = services.tokens.verifyAccessToken(token);
    if (!checked.ok) return null;
    const { claims } = checked;
    principal = {
      poolId: claims.poolId,
      userId: claims.userId,
      sessionId: claims.sessionId,
      appId: claims.appId,
      appSessionId: claims.appSessionId,
      token,
      via: 'token',
    };
  } else {
    const secret = readSessionCookie(request);
    const session = secret ? await services.sessions.fromCookie(secret) : null;
    if (!session || services.index.has(session.id)) return null;
    principal = {
      poolId: session.poolId,
      userId: session.userId,
      sessionId: session.id,
      appId: null,
      appSessionId: null,
      token: null,
      via: 'cookie',
    };
  }
  // A token of one pool is never accepted in another.
  if (poolHeader !== null && poolHeader !== principal.poolId) return null;
  // Not waited for; it reports its own failures (once per store outage).
  void services.sessions.recordActivity(principal.poolId, principal.sessionId, principal.appSessionId);
  return principal;
}

export async function requireUser(services: Services, request: FastifyRequest): Promise<UserPrincipal> {
  const principal = await findUser(services, request);
  if (!principal) throw errors.notLoggedIn();
  return principal;
}

/** The pool a management request may act on: its admin token's pool, which the header must name. */
export function requireAdmin(services: Services, request: FastifyRequest): { poolId: string; actor: Actor } {
  const token = bearer(request);
  if (!token) throw errors.notLoggedIn('A pool administrator token is required (Authorization: Bearer …)');
  const checked = services.tokens.verifyAdminToken(token);
  if (!checked.ok) {
    // An end user's token is a valid login, but not an administrator's.
    if (checked.reason === 'wrong_type' && services.tokens.verifyAccessToken(token).ok) {
      throw errors.noPermission('An end-user token cannot be used for management');
    }
    throw errors.notLoggedIn('Invalid or expired administrator token');
  }
  const poolHeader = headerValue(request, POOL_HEADER);
  if (poolHeader === null) throw errors.invalid(`headers/${POOL_HEADER} is required`);
  if (poolHeader !== checked.poolId) throw errors.noPermission('The token does not belong to this user pool');
  // A pool token carries no person; the audit trail records that the management API acted.
  return { poolId: checked.poolId, actor: { type: 'admin', id: 'management-api' } };
}
