// The back-channel logout deliveries: the outbox rows of kind 'backchannel' (src/store/sql/
// notices.ts holds the whole outbox), one per app session ended, claimed by workers for a lease
// and marked with each attempt's outcome.
import type { DeliveryStatus, LogoutDelivery } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { DueDelivery, Store } from '../store.ts';
import { countOf, first, nnum, nstr, num, type Row, str } from './sql-helpers.ts';

const DELIVERY_COLUMNS =
  'id, pool_id, app_id, session_id, user_id, status, attempts, next_attempt_at, last_error, created_at, delivered_at, replayed_at';

const toDelivery = (r: Row): LogoutDelivery => ({
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

export function createDeliveryStore(db: SqlDriver): Store['deliveries'] {
  /** Marks a row that is still pending; false when it no longer was. */
  const mark = async (set: string, params: unknown[]) =>
    (
      await db.query(
        `UPDATE notices SET ${set} WHERE pool_id = $1 AND id = $2 AND kind = 'backchannel' AND status = 'pending' RETURNING id`,
        params,
      )
    ).length > 0;

  return {
    claimDue: async (now, limit, leaseMs): Promise<DueDelivery[]> => {
      // One statement, so the claim is atomic on both databases. The outer conditions repeat
      // the inner ones: on PostgreSQL a claimer that waited for a row another one just
      // claimed re-checks them on the new row version and leaves the row alone. The pick is
      // a MATERIALIZED CTE, run once: as an `IN (subquery)` PostgreSQL planned a nested-loop
      // semi-join that re-ran the LIMIT … SKIP LOCKED subquery per candidate row, each time
      // skipping the rows just locked, and one run claimed two or three batches.
      const rows = await db.query(
        `WITH picked AS MATERIALIZED (
           SELECT id FROM notices WHERE status = 'pending' AND route = 'backchannel' AND next_attempt_at <= $1
           ORDER BY next_attempt_at, id LIMIT $3${db.skipLocked}
         )
         UPDATE notices SET next_attempt_at = $2
         WHERE id IN (SELECT id FROM picked) AND status = 'pending' AND next_attempt_at <= $1
         RETURNING ${DELIVERY_COLUMNS}`,
        [now, now + leaseMs, limit],
      );
      if (rows.length === 0) return [];
      const deliveries = rows.map(toDelivery).sort((a, b) => a.createdAt - b.createdAt);
      // Deleted apps too: a deletion ends the app's sessions, and the app is owed the notice.
      const uris = new Map<string, string | null>();
      for (const r of await db.query(
        `SELECT id, pool_id, backchannel_logout_uri FROM apps WHERE ${db.inList('id', '$1')}`,
        [db.listParam([...new Set(deliveries.map((d) => d.appId))])],
      )) {
        uris.set(
          `${r.pool_id as string}/${r.id as string}`,
          (r.backchannel_logout_uri as string | null) ?? null,
        );
      }
      return deliveries.map((d) => ({
        ...d,
        backchannelLogoutUri: uris.get(`${d.poolId}/${d.appId}`) ?? null,
      }));
    },
    markDelivered: (poolId, id, attempts, at) =>
      mark("status = 'delivered', attempts = $3, delivered_at = $4", [poolId, id, attempts, at]),
    markRetry: (poolId, id, attempts, nextAttemptAt, error) =>
      mark('attempts = $3, next_attempt_at = $4, last_error = $5', [
        poolId,
        id,
        attempts,
        nextAttemptAt,
        error,
      ]),
    markFailed: (poolId, id, attempts, error) =>
      mark("status = 'failed', attempts = $3, last_error = $4", [poolId, id, attempts, error]),
    get: async (poolId, id) =>
      first(
        (
          await db.query(
            `SELECT ${DELIVERY_COLUMNS} FROM notices WHERE pool_id = $1 AND id = $2 AND kind = 'backchannel'`,
            [poolId, id],
          )
        ).map(toDelivery),
      ),
    list: async (poolId, appId, status, offset, limit) => {
      const where = `pool_id = $1 AND app_id = $2 AND kind = 'backchannel'${status === null ? '' : ' AND status = $3'}`;
      const params: unknown[] = status === null ? [poolId, appId] : [poolId, appId, status];
      const n = params.length;
      const total = await db.query(`SELECT count(*) AS n FROM notices WHERE ${where}`, params);
      const rows = await db.query(
        `SELECT ${DELIVERY_COLUMNS} FROM notices WHERE ${where}
         ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, limit, offset],
      );
      return { totalCount: countOf(total), list: rows.map(toDelivery) };
    },
    replay: async (poolId, appId, which, now) => {
      const set = `UPDATE notices
         SET status = 'pending', attempts = 0, next_attempt_at = $3, replayed_at = $3, delivered_at = NULL
         WHERE pool_id = $1 AND app_id = $2 AND kind = 'backchannel'`;
      if (which === 'failed') {
        return (await db.query(`${set} AND status = 'failed' RETURNING id`, [poolId, appId, now])).length;
      }
      if (which.length === 0) return 0;
      return (
        await db.query(`${set} AND status <> 'pending' AND ${db.inList('id', '$4')} RETURNING id`, [
          poolId,
          appId,
          now,
          db.listParam(which),
        ])
      ).length;
    },
  };
}
