// Session and app-session rows, shared by the session writes and the listings of who is
// signed in.
import type { AppSession, EndReason, Session } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import { json, nnum, nstr, num, type Row, str } from './sql-helpers.ts';

export const SESSION_COLUMNS =
  'id, pool_id, user_id, secret_hash, user_agent, ip, device, created_at, last_active_at, idle_expires_at, expires_at, authenticated_at';
export const APP_SESSION_COLUMNS = 'id, session_id, pool_id, app_id, user_id, created_at, last_active_at';
export const SESSION_SELECT = `SELECT ${SESSION_COLUMNS}, ended_at, end_reason FROM sessions`;
export const APP_SESSION_SELECT = `SELECT ${APP_SESSION_COLUMNS}, ended_at, end_reason FROM app_sessions`;

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

/** Column values in the order of SESSION_COLUMNS. */
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

/** Column values in the order of APP_SESSION_COLUMNS. */
export const appSessionColumns = (a: AppSession) => [
  a.id,
  a.sessionId,
  a.poolId,
  a.appId,
  a.userId,
  a.createdAt,
  a.lastActiveAt,
];

/** The app sessions of some sessions of a pool (only live ones, when asked), oldest first. */
export async function appSessionsOf(
  db: SqlDriver,
  poolId: string,
  sessionIds: string[],
  liveOnly: boolean,
): Promise<AppSession[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db.query(
    `${APP_SESSION_SELECT} WHERE pool_id = $1 AND ${db.inList('session_id', '$2')}${liveOnly ? ' AND ended_at IS NULL' : ''} ORDER BY created_at`,
    [poolId, db.listParam(sessionIds)],
  );
  return rows.map(toAppSession);
}

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
