// "Log out everyone" jobs: their progress is stored so that another node, or this one after a
// restart, resumes a job left running. A running job is leased (owner, lease_until, migration
// 015): the node running it renews the lease at each batch, and a lease that ran out lets any
// node take the job over. Every write of a running job is conditioned on its owner, so a node
// that lost its job (it stalled past the lease) writes nothing more to it.
import type { BulkLogout, EndReason } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { endInTransaction } from './sessions.ts';
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

/** Rolls a batch back: its job is another node's now, which ends those sessions itself. */
class NotHeld extends Error {}

export function createBulkLogoutStore(db: SqlDriver): Store['bulkLogouts'] {
  return {
    create: async (j, lease) => {
      await db.query(
        `INSERT INTO bulk_logouts (id, pool_id, app_id, status, reason, actor_type, actor_id, total, ended, batches,
           error, created_at, updated_at, finished_at, owner, lease_until) VALUES (${placeholders(16)})`,
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
          lease.owner,
          lease.until,
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
    // On PostgreSQL a second node updating the same row waits for the first, re-checks the
    // lease on the row the first wrote, and leaves it: one taker per job.
    takeOver: async (now, lease) =>
      (
        await db.query(
          `UPDATE bulk_logouts SET owner = $1, lease_until = $2
           WHERE status = 'running' AND (lease_until IS NULL OR lease_until <= $3)
           RETURNING *`,
          [lease.owner, lease.until, now],
        )
      )
        .map(toBulkLogout)
        .sort((a, b) => a.createdAt - b.createdAt),
    endBatch: async (id, lease, selector, meta) => {
      try {
        return await db.transaction(async (q) => {
          const end = await endInTransaction(db, q, selector, meta);
          const held = await q(
            `UPDATE bulk_logouts SET ended = ended + $2, batches = batches + 1, updated_at = $3, lease_until = $5
             WHERE id = $1 AND owner = $4 AND status = 'running' RETURNING id`,
            [id, end.record?.sessions ?? 0, meta.at, lease.owner, lease.until],
          );
          if (held.length === 0) throw new NotHeld();
          return { held: true, end };
        });
      } catch (error) {
        if (error instanceof NotHeld) return { held: false, end: null };
        throw error;
      }
    },
    finish: async (id, owner, status, error, at) =>
      (
        await db.query(
          `UPDATE bulk_logouts SET status = $3, error = $4, updated_at = $5, finished_at = $5, lease_until = NULL
           WHERE id = $1 AND owner = $2 AND status = 'running' RETURNING id`,
          [id, owner, status, error, at],
        )
      ).length === 1,
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
