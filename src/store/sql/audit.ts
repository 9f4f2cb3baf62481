// The audit trail: session ends (rows `sessions.end` writes with each end) and credential
// changes (rows `users.setPassword` writes with each password change or reset).
import type { CredentialChange, EndReason, SessionEndRecord } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Page, Store } from '../store.ts';
import { countOf, json, nstr, num, type Row, str } from './sql-helpers.ts';

const actorOf = (r: Row) => ({
  type: str(r.actor_type) as SessionEndRecord['actor']['type'],
  id: nstr(r.actor_id),
});

const toSessionEnd = (r: Row): SessionEndRecord => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  at: num(r.at),
  reason: str(r.reason) as EndReason,
  actor: actorOf(r),
  sessions: num(r.sessions),
  appSessions: num(r.app_sessions),
  apps: json<string[]>(r.apps),
});

const toCredentialChange = (r: Row): CredentialChange => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  userId: str(r.user_id),
  at: num(r.at),
  credentialType: str(r.credential_type) as CredentialChange['credentialType'],
  reason: str(r.reason) as CredentialChange['reason'],
  actor: actorOf(r),
  endSessions: str(r.end_sessions) as CredentialChange['endSessions'],
  sessionsEnded: num(r.sessions_ended),
  events: num(r.events),
});

/** A pool's rows of an audit table, newest first. */
async function pageOf<T>(
  db: SqlDriver,
  table: 'session_ends' | 'credential_changes',
  map: (r: Row) => T,
  poolId: string,
  offset: number,
  limit: number,
): Promise<Page<T>> {
  const total = await db.query(`SELECT count(*) AS n FROM ${table} WHERE pool_id = $1`, [poolId]);
  const rows = await db.query(
    `SELECT * FROM ${table} WHERE pool_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3`,
    [poolId, limit, offset],
  );
  return { totalCount: countOf(total), list: rows.map(map) };
}

export function createAuditStore(db: SqlDriver): Store['audit'] {
  return {
    listSessionEnds: (poolId, offset, limit) =>
      pageOf(db, 'session_ends', toSessionEnd, poolId, offset, limit),
    listCredentialChanges: (poolId, offset, limit) =>
      pageOf(db, 'credential_changes', toCredentialChange, poolId, offset, limit),
  };
}
