// The outbox as a whole (every kind of notice): how the notice worker's channels claim rows
// and record outcomes (back-channel deliveries, pushed SETs), and how many rows wait, were given
// up on, or were delivered lately — for every pool, what GET /metrics reports at each scrape,
// and for one pool, the console's dashboard. Each part of the count is a range of an index
// (notices_outcome, migration 012; notices_pool_outcome, 014), never a scan of the table:
// delivered rows are kept as a ledger and only grow, so they are counted over a recent window.
import type { SqlDriver } from '../sql-driver.ts';
import type { DeliveryMark, NoticeCounts, Store } from '../store.ts';
import { num, type Row, str } from './sql-helpers.ts';

/**
 * Claims up to `limit` due rows of a route ('backchannel' or 'push') for `leaseMs`, returning
 * `columns` of each.
 *
 * One statement, so the claim is atomic on both databases. The outer conditions repeat the
 * inner ones: on PostgreSQL a claimer that waited for a row another one just claimed re-checks
 * them on the new row version and leaves the row alone. The pick is a MATERIALIZED CTE, run
 * once: as an `IN (subquery)` PostgreSQL planned a nested-loop semi-join that re-ran the
 * LIMIT … SKIP LOCKED subquery per candidate row, each time skipping the rows just locked, and
 * one run claimed two or three batches. The pick reads the partial index notices_due in its
 * order and stops at the limit: its predicate is written out as the index has it (SQLite uses a
 * partial index only when the query repeats its terms; with `route = 'backchannel'` alone it
 * scanned the whole table), and the order is the index's (with `, id` added both databases
 * sorted every due row for each claim: a 30,000-notice kick made each claim slower than the
 * last). SQLite is told the index (`useIndex`): with statistics taken before a mass logout it
 * preferred notices_outcome (status) and sorted every pending row for each claim.
 */
export function claimNotices(
  db: SqlDriver,
  route: 'backchannel' | 'push',
  columns: string,
  now: number,
  limit: number,
  leaseMs: number,
): Promise<Row[]> {
  return db.query(
    `WITH picked AS MATERIALIZED (
       SELECT id FROM notices${db.useIndex('notices_due')}
       WHERE status = 'pending' AND route IN ('backchannel', 'push') AND route = '${route}'
         AND next_attempt_at <= $1
       ORDER BY next_attempt_at LIMIT $3${db.skipLocked}
     )
     UPDATE notices SET next_attempt_at = $2
     WHERE id IN (SELECT id FROM picked) AND status = 'pending' AND next_attempt_at <= $1
     RETURNING ${columns}`,
    [now, now + leaseMs, limit],
  );
}

/**
 * A run's outcomes for rows of one kind, in one statement; for each mark, whether it changed
 * its row (only rows of the mark's pool still pending change).
 *
 * One statement for a whole run: an UPDATE and commit per outcome took ~9 ms of a 23 ms run of
 * 25 on PostgreSQL (bench/README.md (d)). A column a mark leaves out (null here) keeps its
 * value, as the single marks do. The kind comes with each mark rather than as a constant: with
 * `n.kind = 'backchannel'` PostgreSQL could use the partial index notices_app, and with
 * statistics from before a mass logout (few rows, few pending) it read every back-channel row
 * of the outbox through it for each run — 17 ms for 200 marks at 30,000 rows, and growing. As it
 * is, each mark's row is found by its key (2 ms). SQLite, on such statistics, led with the
 * notices_outcome (status) index instead and read every pending row once per mark (200 marks
 * took 2.8 s at 10,000 pending SETs): the status may not lead the plan (`notLeading`).
 */
export async function markNotices(
  db: SqlDriver,
  kind: 'backchannel' | 'set',
  marks: readonly DeliveryMark[],
): Promise<boolean[]> {
  if (marks.length === 0) return [];
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
     WHERE n.pool_id = m.pool AND n.id = m.notice AND n.kind = m.kind AND ${db.notLeading('n.status')} = 'pending'
     RETURNING pool_id, id`,
    [
      JSON.stringify(
        marks.map((mark) => ({
          pool: mark.poolId,
          notice: mark.id,
          kind,
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
}

/**
 * Queues notices of one kind again — every failed one of `scope`, or the listed ids among its
 * failed and delivered ones — as if just queued: pending, attempts from zero, due now, the
 * give-up horizon counted from `now` (replayed_at). Returns how many.
 */
export async function replayNotices(
  db: SqlDriver,
  scope:
    | { kind: 'backchannel'; poolId: string; appId: string }
    | { kind: 'set'; poolId: string; streamId: string },
  which: readonly string[] | 'failed',
  now: number,
): Promise<number> {
  const [column, owner] =
    scope.kind === 'backchannel' ? ['app_id', scope.appId] : ['stream_id', scope.streamId];
  const set = `UPDATE notices
     SET status = 'pending', attempts = 0, next_attempt_at = $3, replayed_at = $3, delivered_at = NULL
     WHERE pool_id = $1 AND ${column} = $2 AND kind = '${scope.kind}'`;
  if (which === 'failed') {
    return (await db.query(`${set} AND status = 'failed' RETURNING id`, [scope.poolId, owner, now])).length;
  }
  if (which.length === 0) return 0;
  return (
    await db.query(`${set} AND status <> 'pending' AND ${db.inList('id', '$4')} RETURNING id`, [
      scope.poolId,
      owner,
      now,
      db.listParam([...which]),
    ])
  ).length;
}

const KINDS = ['backchannel', 'set'] as const;

/** Counts per kind, zeros included, from rows of (kind, status, n). */
function countsOf(rows: Row[]): NoticeCounts[] {
  const counts = new Map<string, NoticeCounts>(
    KINDS.map((kind) => [kind, { kind, pending: 0, failed: 0, delivered: 0 }]),
  );
  for (const r of rows) {
    const entry = counts.get(str(r.kind));
    const status = str(r.status);
    if (entry && (status === 'pending' || status === 'failed' || status === 'delivered'))
      entry[status] = num(r.n);
  }
  return [...counts.values()];
}

/**
 * The counting query, for every pool or for the one in `$2`. Delivered rows are counted one
 * kind at a time: an equality on (status, kind) lets both databases seek the window's start
 * in the index instead of reading every delivered row.
 */
const countSql = (ofPool: boolean) => {
  const pool = ofPool ? 'pool_id = $2 AND ' : '';
  return [
    `SELECT kind, status, count(*) AS n FROM notices WHERE ${pool}status IN ('pending', 'failed') GROUP BY kind, status`,
    ...KINDS.map(
      (kind) =>
        `SELECT '${kind}' AS kind, 'delivered' AS status, count(*) AS n FROM notices
         WHERE ${pool}status = 'delivered' AND kind = '${kind}' AND delivered_at >= $1`,
    ),
  ].join(' UNION ALL ');
};

export function createNoticeStore(db: SqlDriver): Store['notices'] {
  return {
    counts: async (deliveredSince) => countsOf(await db.query(countSql(false), [deliveredSince])),
    // The same ranges in notices_pool_outcome (migration 014), led by the pool.
    countsOfPool: async (poolId, deliveredSince) =>
      countsOf(await db.query(countSql(true), [deliveredSince, poolId])),
  };
}
