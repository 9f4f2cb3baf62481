// Who is signed in: the listings behind Login status, Authing's active users and login
// status, the bulk logouts' paging and the expiry sweep. Only live sessions count here.
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { countOf } from './sql-helpers.ts';

type LiveSessionQueries = Pick<
  Store['sessions'],
  | 'listActiveUsersOfApp'
  | 'isSignedIn'
  | 'countLive'
  | 'liveByApp'
  | 'countLiveOfUsers'
  | 'listLiveIds'
  | 'listExpired'
>;

export function createLiveSessionQueries(db: SqlDriver): LiveSessionQueries {
  return {
    listActiveUsersOfApp: async (poolId, appId, now, offset, limit) => {
      // Live app sessions of live, unexpired sessions, grouped by user.
      const live = `FROM app_sessions a JOIN sessions s ON s.id = a.session_id
        WHERE a.pool_id = $1 AND a.app_id = $2 AND a.ended_at IS NULL AND s.ended_at IS NULL
          AND s.idle_expires_at > $3`;
      const total = await db.query(`SELECT count(DISTINCT a.user_id) AS n ${live}`, [poolId, appId, now]);
      const rows = await db.query(
        `SELECT a.user_id, count(*) AS sessions, min(a.created_at) AS since, max(a.last_active_at) AS last_active_at
         ${live} GROUP BY a.user_id ORDER BY max(a.last_active_at) DESC, a.user_id LIMIT $4 OFFSET $5`,
        [poolId, appId, now, limit, offset],
      );
      const userIds = rows.map((r) => r.user_id as string);
      // Where each was last seen: the most recently active of their sessions in the app.
      const seen = new Map<string, { ip: string | null; device: string }>();
      if (userIds.length > 0) {
        for (const r of await db.query(
          `SELECT a.user_id, s.ip, s.device ${live} AND ${db.inList('a.user_id', '$4')}
           ORDER BY a.last_active_at ASC, s.id ASC`,
          [poolId, appId, now, db.listParam(userIds)],
        )) {
          seen.set(r.user_id as string, {
            ip: (r.ip as string | null) ?? null,
            device: r.device as string,
          });
        }
      }
      return {
        totalCount: countOf(total),
        list: rows.map((r) => {
          const last = seen.get(r.user_id as string);
          return {
            userId: r.user_id as string,
            sessions: Number(r.sessions),
            since: Number(r.since),
            lastActiveAt: Number(r.last_active_at),
            ip: last?.ip ?? null,
            device: last ? JSON.parse(last.device) : { browser: null, os: null, platform: null },
          };
        }),
      };
    },

    isSignedIn: async (poolId, userId, appId, now) =>
      (
        await db.query(
          appId === null
            ? `SELECT 1 AS x FROM sessions WHERE pool_id = $1 AND user_id = $2 AND ended_at IS NULL
               AND idle_expires_at > $3 LIMIT 1`
            : `SELECT 1 AS x FROM app_sessions a JOIN sessions s ON s.id = a.session_id
               WHERE a.pool_id = $1 AND a.user_id = $2 AND a.app_id = $4 AND a.ended_at IS NULL
                 AND s.ended_at IS NULL AND s.idle_expires_at > $3 LIMIT 1`,
          appId === null ? [poolId, userId, now] : [poolId, userId, now, appId],
        )
      ).length > 0,

    countLive: async (poolId, appId) =>
      countOf(
        await db.query(
          appId === null
            ? 'SELECT count(*) AS n FROM sessions WHERE pool_id = $1 AND ended_at IS NULL'
            : `SELECT count(DISTINCT a.session_id) AS n FROM app_sessions a JOIN sessions s ON s.id = a.session_id
               WHERE a.pool_id = $1 AND a.app_id = $2 AND a.ended_at IS NULL AND s.ended_at IS NULL`,
          appId === null ? [poolId] : [poolId, appId],
        ),
      ),

    // Unexpired sessions along sessions_idle_expiry (idle_expires_at is kept at or before
    // expires_at, so this range is every unexpired session and nothing older), each joined to
    // its app sessions by app_sessions_session: the read grows with the sessions alive now,
    // not with the history of the pool.
    liveByApp: async (poolId, now) =>
      (
        await db.query(
          `SELECT a.app_id, count(DISTINCT s.id) AS sessions, count(DISTINCT s.user_id) AS users
           FROM sessions s JOIN app_sessions a ON a.session_id = s.id
           WHERE s.idle_expires_at > $2 AND s.pool_id = $1 AND s.ended_at IS NULL AND a.ended_at IS NULL
           GROUP BY a.app_id ORDER BY count(DISTINCT s.id) DESC, a.app_id`,
          [poolId, now],
        )
      ).map((r) => ({ appId: r.app_id as string, sessions: Number(r.sessions), users: Number(r.users) })),

    countLiveOfUsers: async (poolId, userIds, appId, now) => {
      if (userIds.length === 0) return { users: 0, sessions: 0 };
      const rows = await db.query(
        appId === null
          ? `SELECT count(*) AS sessions, count(DISTINCT user_id) AS users FROM sessions
             WHERE pool_id = $1 AND ${db.inList('user_id', '$2')} AND ended_at IS NULL AND idle_expires_at > $3`
          : `SELECT count(DISTINCT s.id) AS sessions, count(DISTINCT s.user_id) AS users
             FROM app_sessions a JOIN sessions s ON s.id = a.session_id
             WHERE a.app_id = $4 AND ${db.inList('a.user_id', '$2')} AND a.pool_id = $1
               AND a.ended_at IS NULL AND s.ended_at IS NULL AND s.idle_expires_at > $3`,
        appId === null ? [poolId, db.listParam(userIds), now] : [poolId, db.listParam(userIds), now, appId],
      );
      return { users: Number(rows[0]?.users ?? 0), sessions: Number(rows[0]?.sessions ?? 0) };
    },

    // Keyset paging in id order: each page starts where the last ended, so paging through
    // 100,000 sessions reads each once (an offset, or re-listing from the start while the
    // ended ones stay in the index, would make a bulk logout quadratic).
    listLiveIds: async (poolId, appId, limit, after = '') =>
      (appId === null
        ? await db.query(
            'SELECT id FROM sessions WHERE id > $3 AND pool_id = $1 AND ended_at IS NULL ORDER BY id LIMIT $2',
            [poolId, limit, after],
          )
        : await db.query(
            `SELECT s.id FROM sessions s
             WHERE s.id > $4 AND s.pool_id = $1 AND s.ended_at IS NULL
               AND EXISTS (SELECT 1 FROM app_sessions a
                           WHERE a.session_id = s.id AND a.app_id = $2 AND a.ended_at IS NULL)
             ORDER BY s.id LIMIT $3`,
            [poolId, appId, limit, after],
          )
      ).map((r) => r.id as string),

    listExpired: async (since, now, limit) =>
      (
        await db.query(
          `SELECT id, pool_id FROM sessions
           WHERE idle_expires_at > $1 AND idle_expires_at <= $2 AND ended_at IS NULL
           ORDER BY idle_expires_at, id LIMIT $3`,
          [since, now, limit],
        )
      ).map((r) => ({ id: r.id as string, poolId: r.pool_id as string })),
  };
}
