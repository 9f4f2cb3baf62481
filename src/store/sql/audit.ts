// The audit trail of session ends (rows `sessions.end` writes with each end).
import type { EndReason, SessionEndRecord } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { countOf, json, nstr, num, type Row, str } from './sql-helpers.ts';

const toSessionEnd = (r: Row): SessionEndRecord => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  at: num(r.at),
  reason: str(r.reason) as EndReason,
  actor: { type: str(r.actor_type) as SessionEndRecord['actor']['type'], id: nstr(r.actor_id) },
  sessions: num(r.sessions),
  appSessions: num(r.app_sessions),
  apps: json<string[]>(r.apps),
});

export function createAuditStore(db: SqlDriver): Store['audit'] {
  return {
    listSessionEnds: async (poolId, offset, limit) => {
      const total = await db.query('SELECT count(*) AS n FROM session_ends WHERE pool_id = $1', [poolId]);
      const rows = await db.query(
        'SELECT * FROM session_ends WHERE pool_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3',
        [poolId, limit, offset],
      );
      return { totalCount: countOf(total), list: rows.map(toSessionEnd) };
    },
  };
}
