// The back-channel logout deliveries: the outbox rows of kind 'backchannel' (src/store/sql/
// notices.ts holds the whole outbox), one per app session ended, claimed by workers for a lease
// and marked with each attempt's outcome.
import type { DeliveryStatus, LogoutDelivery } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { DeliveryMark, DueDelivery, Store } from '../store.ts';
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
  const markMany = async (marks: readonly DeliveryMark[]): Promise<boolean[]> => {
    if (marks.length === 0) return [];
    // One statement for a whole run's outcomes: an UPDATE and commit per outcome took ~9 ms
    // of a 23 ms run of 25 on PostgreSQL (bench/README.md (d)). A column a mark leaves out
    // (null here) keeps its value, as the single marks do; only rows still pending change.
    // The kind comes with each mark rather than as a constant: with `n.kind = 'backchannel'`
    // PostgreSQL could use the partial index notices_app, and with statistics from before a
    // mass logout (few rows, few pending) it read every back-channel row of the outbox
    // through it for each run — 17 ms for 200 marks at 30,000 rows, and growing. As it is,
    // each mark's row is found by its key (2 ms).
    const rows = await db.query(
      `UPDATE notices AS n SET
         status = m.status,
         attempts = m.attempts,
         next_attempt_at = COALESCE(m.next_attempt_at, n.next_attempt_at),
         last_error = COALESCE(m.last_error, n.last_error),
         delivered_at = COALESCE(m.delivered_at, n.delivered_at)
       FROM ${db.jsonRows('$1', 'm', {
         pool: 'text',
         notice: 'text',
         kind: 'text',
         status: 'text',
         attempts: 'integer',
         next_attempt_at: 'integer',
         last_error: 'text',
         delivered_at: 'integer',
       })}
       WHERE n.pool_id = m.pool AND n.id = m.notice AND n.kind = m.kind AND n.status = 'pending'
       RETURNING pool_id, id`,
      [
        JSON.stringify(
          marks.map((mark) => ({
            pool: mark.poolId,
            notice: mark.id,
            kind: 'backchannel',
            status: mark.status,
            attempts: mark.attempts,
            next_attempt_at: mark.status === 'pending' ? mark.nextAttemptAt : null,
            last_error: mark.status === 'delivered' ? null : mark.error,
            delivered_at: mark.status === 'delivered' ? mark.at : null,
          })),
        ),
      ],
    );
    const changed = new Set(rows.map((r) => `${str(r.pool_id)}/${str(r.id)}`));
    return marks.map((mark) => changed.has(`${mark.poolId}/${mark.id}`));
  };
  const markOne = async (mark: DeliveryMark) => (await markMany([mark]))[0] === true;

  return {
    claimDue: async (now, limit, leaseMs): Promise<DueDelivery[]> => {
      // One statement, so the claim is atomic on both databases. The outer conditions repeat
      // the inner ones: on PostgreSQL a claimer that waited for a row another one just
      // claimed re-checks them on the new row version and leaves the row alone. The pick is
      // a MATERIALIZED CTE, run once: as an `IN (subquery)` PostgreSQL planned a nested-loop
      // semi-join that re-ran the LIMIT … SKIP LOCKED subquery per candidate row, each time
      // skipping the rows just locked, and one run claimed two or three batches.
      // The pick reads the partial index notices_due in its order and stops at the limit: its
      // predicate is written out as the index has it (SQLite uses a partial index only when
      // the query repeats its terms; with `route = 'backchannel'` alone it scanned the whole
      // table), and the order is the index's (with `, id` added both databases sorted every
      // due row for each claim: a 30,000-notice kick made each claim slower than the last).
      const rows = await db.query(
        `WITH picked AS MATERIALIZED (
           SELECT id FROM notices
           WHERE status = 'pending' AND route IN ('backchannel', 'push') AND route = 'backchannel'
             AND next_attempt_at <= $1
           ORDER BY next_attempt_at LIMIT $3${db.skipLocked}
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
    markDelivered: (poolId, id, attempts, at) => markOne({ poolId, id, attempts, status: 'delivered', at }),
    markRetry: (poolId, id, attempts, nextAttemptAt, error) =>
      markOne({ poolId, id, attempts, status: 'pending', nextAttemptAt, error }),
    markFailed: (poolId, id, attempts, error) => markOne({ poolId, id, attempts, status: 'failed', error }),
    markMany,
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
