// The outbox as a whole (every kind of notice, every pool): how many rows wait, were given up
// on, or were delivered lately — what GET /metrics reports at each scrape. Each part of the
// query is a range of the index notices_outcome (migration 011), never a scan of the table:
// delivered rows are kept as a ledger and only grow, so they are counted over a recent window.
import type { SqlDriver } from '../sql-driver.ts';
import type { NoticeCounts, Store } from '../store.ts';
import { num, str } from './sql-helpers.ts';

const KINDS = ['backchannel', 'set'] as const;

export function createNoticeStore(db: SqlDriver): Store['notices'] {
  return {
    counts: async (deliveredSince) => {
      // Delivered rows one kind at a time: an equality on (status, kind) lets both databases
      // seek the window's start in the index instead of reading every delivered row.
      const delivered = KINDS.map(
        (kind) =>
          `SELECT '${kind}' AS kind, 'delivered' AS status, count(*) AS n FROM notices
           WHERE status = 'delivered' AND kind = '${kind}' AND delivered_at >= $1`,
      );
      const rows = await db.query(
        [
          `SELECT kind, status, count(*) AS n FROM notices WHERE status IN ('pending', 'failed') GROUP BY kind, status`,
          ...delivered,
        ].join(' UNION ALL '),
        [deliveredSince],
      );
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
    },
  };
}
