// The SETs of push streams (outbox rows of kind 'set', route 'push'): claimed by the notice
// worker for a lease, with the endpoint and Authorization their stream gives, and marked with
// each attempt's outcome — the same claim and marks as back-channel deliveries (notices.ts).
import { SSF_PUSH } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { DuePushedSet, Store } from '../store.ts';
import { claimNotices, markNotices } from './notices.ts';
import { nnum, nstr, num } from './sql-helpers.ts';
import { toQueuedSet } from './ssf.ts';

const COLUMNS =
  'id, pool_id, app_id, stream_id, event_type, session_id, user_id, end_id, reason, detail, created_at, attempts, replayed_at';

export function createPushedSetStore(db: SqlDriver): Store['pushedSets'] {
  return {
    claimDue: async (now, limit, leaseMs): Promise<DuePushedSet[]> => {
      const rows = await claimNotices(db, 'push', COLUMNS, now, limit, leaseMs);
      if (rows.length === 0) return [];
      const streams = new Map<string, { endpointUrl: string | null; authorizationHeader: string | null }>();
      for (const r of await db.query(
        `SELECT id, endpoint_url, authorization_header FROM ssf_streams
         WHERE method = $2 AND ${db.inList('id', '$1')}`,
        [db.listParam([...new Set(rows.map((r) => r.stream_id as string))]), SSF_PUSH],
      )) {
        streams.set(r.id as string, {
          endpointUrl: nstr(r.endpoint_url),
          authorizationHeader: nstr(r.authorization_header),
        });
      }
      return rows
        .map((r) => ({
          ...toQueuedSet(r),
          attempts: num(r.attempts),
          replayedAt: nnum(r.replayed_at),
          ...(streams.get(r.stream_id as string) ?? { endpointUrl: null, authorizationHeader: null }),
        }))
        .sort((a, b) => a.createdAt - b.createdAt);
    },
    markMany: (marks) => markNotices(db, 'set', marks),
  };
}
