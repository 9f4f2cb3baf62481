// The back-channel logout deliveries: the outbox rows of kind 'backchannel' (src/store/sql/
// notices.ts holds the whole outbox), one per app session ended, claimed by workers for a lease
// and marked with each attempt's outcome.
import type { DeliveryStatus, LogoutDelivery } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { DeliveryMark, DueDelivery, Store } from '../store.ts';
import { claimNotices, markNotices, replayNotices } from './notices.ts';
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
  const markMany = (marks: readonly DeliveryMark[]) => markNotices(db, 'backchannel', marks);
  const markOne = async (mark: DeliveryMark) => (await markMany([mark]))[0] === true;

  return {
    claimDue: async (now, limit, leaseMs): Promise<DueDelivery[]> => {
      const rows = await claimNotices(db, 'backchannel', DELIVERY_COLUMNS, now, limit, leaseMs);
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
    replay: (poolId, appId, which, now) =>
      replayNotices(db, { kind: 'backchannel', poolId, appId }, which, now),
  };
}
