// Row ↔ record mapping shared by the SQLite and PostgreSQL drivers: both use the same
// column names and types (epoch-ms integers, JSON as text), so one mapper serves both.
import type {
  Admin,
  App,
  AppSession,
  BulkLogout,
  DeliveryStatus,
  EndReason,
  LogoutDelivery,
  Pool,
  Session,
  SessionEndRecord,
  SigningKey,
  User,
} from '../domain/model.ts';

export type Row = Record<string, unknown>;

const str = (v: unknown): string => v as string;
const nstr = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const num = (v: unknown): number => Number(v);
const nnum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T => JSON.parse(v as string) as T;

export const toPool = (r: Row): Pool => ({
  id: str(r.id),
  name: str(r.name),
  secretHash: str(r.secret_hash),
  createdAt: num(r.created_at),
});

export const toAdmin = (r: Row): Admin => ({
  id: str(r.id),
  email: str(r.email),
  passwordHash: str(r.password_hash),
  createdAt: num(r.created_at),
});

export const toApp = (r: Row): App => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  name: str(r.name),
  identifier: nstr(r.identifier),
  secretHash: str(r.secret_hash),
  redirectUris: json<string[]>(r.redirect_uris),
  logoutRedirectUris: json<string[]>(r.logout_redirect_uris),
  backchannelLogoutUri: nstr(r.backchannel_logout_uri),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

export const toUser = (r: Row): User => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  username: nstr(r.username),
  email: nstr(r.email),
  name: nstr(r.name),
  passwordHash: str(r.password_hash),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

export const toKey = (r: Row): SigningKey => ({
  kid: str(r.kid),
  poolId: str(r.pool_id),
  alg: 'RS256',
  privateJwk: json<JsonWebKey>(r.private_jwk),
  publicJwk: json<JsonWebKey>(r.public_jwk),
  createdAt: num(r.created_at),
  retiredAt: nnum(r.retired_at),
});

export const toSession = (r: Row): Session => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  userId: str(r.user_id),
  secretHash: str(r.secret_hash),
  userAgent: nstr(r.user_agent),
  ip: nstr(r.ip),
  device: json(r.device),
  createdAt: num(r.created_at),
  authenticatedAt:
    r.authenticated_at === null || r.authenticated_at === undefined
      ? num(r.created_at)
      : num(r.authenticated_at),
  lastActiveAt: num(r.last_active_at),
  idleExpiresAt: num(r.idle_expires_at),
  expiresAt: num(r.expires_at),
  endedAt: nnum(r.ended_at),
  endReason: nstr(r.end_reason) as EndReason | null,
});

export const toAppSession = (r: Row): AppSession => ({
  id: str(r.id),
  sessionId: str(r.session_id),
  poolId: str(r.pool_id),
  appId: str(r.app_id),
  userId: str(r.user_id),
  createdAt: num(r.created_at),
  lastActiveAt: num(r.last_active_at),
  endedAt: nnum(r.ended_at),
  endReason: nstr(r.end_reason) as EndReason | null,
});

export const toSessionEnd = (r: Row): SessionEndRecord => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  at: num(r.at),
  reason: str(r.reason) as EndReason,
  actor: { type: str(r.actor_type) as SessionEndRecord['actor']['type'], id: nstr(r.actor_id) },
  sessions: num(r.sessions),
  appSessions: num(r.app_sessions),
  apps: json<string[]>(r.apps),
});

export const toDelivery = (r: Row): LogoutDelivery => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  appId: str(r.app_id),
  sessionId: str(r.session_id),
  userId: str(r.user_id),
  status: str(r.status) as DeliveryStatus,
  attempts: num(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastError: nstr(r.last_error),
  createdAt: num(r.created_at),
  deliveredAt: nnum(r.delivered_at),
  replayedAt: nnum(r.replayed_at),
});

/** Column values of a record, in the order of the INSERT statements of both drivers. */
export const appColumns = (a: App) => [
  a.id,
  a.poolId,
  a.name,
  a.identifier,
  a.secretHash,
  JSON.stringify(a.redirectUris),
  JSON.stringify(a.logoutRedirectUris),
  a.backchannelLogoutUri,
  a.createdAt,
  a.updatedAt,
];

export const userColumns = (u: User) => [
  u.id,
  u.poolId,
  u.username,
  u.email,
  u.name,
  u.passwordHash,
  u.createdAt,
  u.updatedAt,
];

export const sessionColumns = (s: Session) => [
  s.id,
  s.poolId,
  s.userId,
  s.secretHash,
  s.userAgent,
  s.ip,
  JSON.stringify(s.device),
  s.createdAt,
  s.lastActiveAt,
  s.idleExpiresAt,
  s.expiresAt,
  s.authenticatedAt,
];

export const appSessionColumns = (a: AppSession) => [
  a.id,
  a.sessionId,
  a.poolId,
  a.appId,
  a.userId,
  a.createdAt,
  a.lastActiveAt,
];

export const keyColumns = (k: SigningKey) => [
  k.kid,
  k.poolId,
  k.alg,
  JSON.stringify(k.privateJwk),
  JSON.stringify(k.publicJwk),
  k.createdAt,
  k.retiredAt,
];

/** Groups app-session rows under their sessions, keeping the sessions' order. */
export function withApps<S extends Session>(
  sessions: S[],
  apps: AppSession[],
): (S & { apps: AppSession[] })[] {
  const bySession = new Map<string, AppSession[]>();
  for (const a of apps) {
    const list = bySession.get(a.sessionId);
    if (list) list.push(a);
    else bySession.set(a.sessionId, [a]);
  }
  return sessions.map((s) => ({ ...s, apps: bySession.get(s.id) ?? [] }));
}

export const APP_COLUMNS =
  'id, pool_id, name, identifier, secret_hash, redirect_uris, logout_redirect_uris, backchannel_logout_uri, created_at, updated_at';
export const USER_COLUMNS = 'id, pool_id, username, email, name, password_hash, created_at, updated_at';
export const SESSION_COLUMNS =
  'id, pool_id, user_id, secret_hash, user_agent, ip, device, created_at, last_active_at, idle_expires_at, expires_at, authenticated_at';
export const APP_SESSION_COLUMNS = 'id, session_id, pool_id, app_id, user_id, created_at, last_active_at';
export const KEY_COLUMNS = 'kid, pool_id, alg, private_jwk, public_jwk, created_at, retired_at';
export const DELIVERY_COLUMNS =
  'id, pool_id, app_id, session_id, user_id, status, attempts, next_attempt_at, last_error, created_at, delivered_at, replayed_at';

export const toBulkLogout = (r: Row): BulkLogout => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  appId: nstr(r.app_id),
  status: str(r.status) as BulkLogout['status'],
  reason: str(r.reason) as EndReason,
  actor: { type: str(r.actor_type) as BulkLogout['actor']['type'], id: nstr(r.actor_id) },
  total: num(r.total),
  ended: num(r.ended),
  batches: num(r.batches),
  error: nstr(r.error),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
  finishedAt: nnum(r.finished_at),
});
