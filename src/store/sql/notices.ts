// The outbox counted (every kind of notice): how many rows wait, were given up on, or were
// delivered lately — for every pool, what GET /metrics reports at each scrape, and for one
// pool, the console's dashboard. Each part of the query is a range of an index
// (notices_outcome, migration 012; notices_pool_outcome, 013), never a scan of the table:
// delivered rows are kept as a ledger and only grow, so they are counted over a recent window.
import type { SqlDriver } from '../sql-driver.ts';
import type { NoticeCounts, Store } from '../store.ts';
import { num, type Row, str } from './sql-helpers.ts';

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
    // The same ranges in notices_pool_outcome (migration 013), led by the pool.
    countsOfPool: async (poolId, deliveredSince) =>
      countsOf(await db.query(countSql(true), [deliveredSince, poolId])),
  };
}
