// "Log out everyone" jobs: their progress is stored so that another node, or this one after a
// restart, resumes a job left running.
import type { BulkLogout, EndReason } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { first, nnum, nstr, num, placeholders, type Row, str } from './sql-helpers.ts';

const toBulkLogout = (r: Row): BulkLogout => ({
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

export function createBulkLogoutStore(db: SqlDriver): Store['bulkLogouts'] {
  return {
    create: async (j) => {
      await db.query(
        `INSERT INTO bulk_logouts (id, pool_id, app_id, status, reason, actor_type, actor_id, total, ended, batches,
           error, created_at, updated_at, finished_at) VALUES (${placeholders(14)})`,
        [
          j.id,
          j.poolId,
          j.appId,
          j.status,
          j.reason,
          j.actor.type,
          j.actor.id,
          j.total,
          j.ended,
          j.batches,
          j.error,
          j.createdAt,
          j.updatedAt,
          j.finishedAt,
        ],
      );
    },
    get: async (poolId, id) =>
      first(
        (await db.query('SELECT * FROM bulk_logouts WHERE pool_id = $1 AND id = $2', [poolId, id])).map(
          toBulkLogout,
        ),
      ),
    list: async (poolId, limit) =>
      (
        await db.query(
          'SELECT * FROM bulk_logouts WHERE pool_id = $1 ORDER BY created_at DESC, id LIMIT $2',
          [poolId, limit],
        )
      ).map(toBulkLogout),
    listRunning: async () =>
      (await db.query("SELECT * FROM bulk_logouts WHERE status = 'running' ORDER BY created_at")).map(
        toBulkLogout,
      ),
    progress: async (id, ended, batches, at) => {
      await db.query('UPDATE bulk_logouts SET ended = $2, batches = $3, updated_at = $4 WHERE id = $1', [
        id,
        ended,
        batches,
        at,
      ]);
    },
    finish: async (id, status, error, at) => {
      await db.query(
        'UPDATE bulk_logouts SET status = $2, error = $3, updated_at = $4, finished_at = $4 WHERE id = $1',
        [id, status, error, at],
      );
    },
    countByStatus: async () => {
      const counts = { running: 0, done: 0, failed: 0 };
      for (const r of await db.query('SELECT status, count(*) AS n FROM bulk_logouts GROUP BY status')) {
        const status = str(r.status);
        if (status in counts) counts[status as keyof typeof counts] = num(r.n);
      }
      return counts;
    },
  };
}
