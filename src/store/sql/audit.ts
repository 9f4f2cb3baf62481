// The audit trail: session ends (rows `sessions.end` writes with each end) and credential
// changes (rows `users.setPassword` writes with each password change or reset), and what the
// console reads beside them: whose sessions an end ended, the names of the users and apps it
// names (deleted ones too: the trail outlives them), and the ends of recent hours.
import type { CredentialChange, EndReason, SessionEndRecord } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { EndedUsers, Page, Store } from '../store.ts';
import { countOf, json, nstr, num, type Row, str } from './sql-helpers.ts';

const HOUR_MS = 3_600_000;

const actorOf = (r: Row) => ({
  type: str(r.actor_type) as SessionEndRecord['actor']['type'],
  id: nstr(r.actor_id),
});

const toSessionEnd = (r: Row): SessionEndRecord => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  at: num(r.at),
  reason: str(r.reason) as EndReason,
  actor: actorOf(r),
  sessions: num(r.sessions),
  appSessions: num(r.app_sessions),
  apps: json<string[]>(r.apps),
});

const toCredentialChange = (r: Row): CredentialChange => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  userId: str(r.user_id),
  at: num(r.at),
  credentialType: str(r.credential_type) as CredentialChange['credentialType'],
  reason: str(r.reason) as CredentialChange['reason'],
  actor: actorOf(r),
  endSessions: str(r.end_sessions) as CredentialChange['endSessions'],
  sessionsEnded: num(r.sessions_ended),
  events: num(r.events),
});

/** A pool's rows of an audit table, newest first. */
async function pageOf<T>(
  db: SqlDriver,
  table: 'session_ends' | 'credential_changes',
  map: (r: Row) => T,
  poolId: string,
  offset: number,
  limit: number,
): Promise<Page<T>> {
  const total = await db.query(`SELECT count(*) AS n FROM ${table} WHERE pool_id = $1`, [poolId]);
  const rows = await db.query(
    `SELECT * FROM ${table} WHERE pool_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3`,
    [poolId, limit, offset],
  );
  return { totalCount: countOf(total), list: rows.map(map) };
}

/** The whole ids at the start of a JSON array of ids cut anywhere (a cut id is left out). */
const idsOf = (head: string) => [...head.matchAll(/"([^"\\]*)"/g)].map((m) => m[1]!);

export function createAuditStore(db: SqlDriver): Store['audit'] {
  return {
    listSessionEnds: (poolId, offset, limit) =>
      pageOf(db, 'session_ends', toSessionEnd, poolId, offset, limit),
    listCredentialChanges: (poolId, offset, limit) =>
      pageOf(db, 'credential_changes', toCredentialChange, poolId, offset, limit),

    endedUsers: async (poolId, recordIds, maxIds) => {
      if (recordIds.length === 0) return [];
      // Only the start of each id list is read: a bulk end's holds thousands of ids. An id is
      // at most 64 characters; with its quotes and comma, 67 characters at most.
      const heads = await db.query(
        `SELECT id, substr(revoked, 1, CAST($3 AS INTEGER)) AS head FROM session_ends
         WHERE pool_id = $1 AND ${db.inList('id', '$2')}`,
        [poolId, db.listParam(recordIds), maxIds * 67 + 2],
      );
      const read = new Map<string, { ids: string[]; complete: boolean }>();
      for (const r of heads) {
        const head = str(r.head);
        const ids = idsOf(head);
        read.set(str(r.id), {
          ids: ids.slice(0, maxIds),
          complete: head.trimEnd().endsWith(']') && ids.length <= maxIds,
        });
      }
      // Session ids (whole-session ends) and app-session ids (ends in one app) are both newId()s:
      // one lookup by primary key in each table finds the owner of either.
      const all = [...new Set([...read.values()].flatMap((r) => r.ids))];
      const owners = new Map<string, string>();
      if (all.length > 0) {
        for (const r of await db.query(
          `SELECT id, user_id FROM sessions WHERE pool_id = $1 AND ${db.inList('id', '$2')}
           UNION ALL
           SELECT id, user_id FROM app_sessions WHERE pool_id = $1 AND ${db.inList('id', '$2')}`,
          [poolId, db.listParam(all)],
        )) {
          owners.set(str(r.id), str(r.user_id));
        }
      }
      return recordIds.flatMap((recordId): EndedUsers[] => {
        const r = read.get(recordId);
        if (!r) return [];
        const userIds = [
          ...new Set(r.ids.map((id) => owners.get(id)).filter((u): u is string => u !== undefined)),
        ];
        return [{ recordId, userIds, complete: r.complete }];
      });
    },

    names: async (poolId, userIds, appIds) => {
      const users =
        userIds.length === 0
          ? []
          : await db.query(
              `SELECT id, username, email, name, deleted_at FROM users
               WHERE pool_id = $1 AND ${db.inList('id', '$2')}`,
              [poolId, db.listParam([...new Set(userIds)])],
            );
      const apps =
        appIds.length === 0
          ? []
          : await db.query(
              `SELECT id, name, deleted_at FROM apps WHERE pool_id = $1 AND ${db.inList('id', '$2')}`,
              [poolId, db.listParam([...new Set(appIds)])],
            );
      return {
        users: users.map((r) => ({
          id: str(r.id),
          username: nstr(r.username),
          email: nstr(r.email),
          name: nstr(r.name),
          deleted: r.deleted_at !== null && r.deleted_at !== undefined,
        })),
        apps: apps.map((r) => ({
          id: str(r.id),
          name: str(r.name),
          deleted: r.deleted_at !== null && r.deleted_at !== undefined,
        })),
      };
    },

    // A range of session_ends_pool_at; the integer division buckets by hour on both databases.
    endsByHour: async (poolId, since) =>
      (
        await db.query(
          `SELECT at / ${HOUR_MS} AS h, reason, count(*) AS ends, sum(sessions) AS sessions
           FROM session_ends WHERE pool_id = $1 AND at >= $2
           GROUP BY at / ${HOUR_MS}, reason ORDER BY h, reason`,
          [poolId, since],
        )
      ).map((r) => ({
        hour: num(r.h) * HOUR_MS,
        reason: str(r.reason) as EndReason,
        ends: num(r.ends),
        sessions: num(r.sessions),
      })),
  };
}
