// Users of a pool. An account is a username, or an email compared without case.
import type { User } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { endInTransaction } from './sessions.ts';
import { insertSets, liveStreamsOf, notExcluded, ROUTE_OF_STREAM, wants } from './set-queue.ts';
import { countOf, createInsert, first, nstr, num, placeholders, type Row, str } from './sql-helpers.ts';

const USER_COLUMNS = 'id, pool_id, username, email, name, password_hash, created_at, updated_at';

const toUser = (r: Row): User => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  username: nstr(r.username),
  email: nstr(r.email),
  name: nstr(r.name),
  passwordHash: str(r.password_hash),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

/**
 * The live streams (one row each) of every app the user has ever signed in to that want an
 * event type and have not removed the user: the candidates of insertSets, the user as $7.
 */
const streamsOfUserApps = (eventType: 'account-purged' | 'credential-change') =>
  `SELECT DISTINCT st.id AS stream_id, a.app_id, CAST(NULL AS TEXT) AS session_id, a.user_id,
     ${ROUTE_OF_STREAM} AS route
   FROM app_sessions a ${liveStreamsOf('a.app_id', 'CAST($1 AS TEXT)')}
   WHERE a.pool_id = CAST($1 AS TEXT) AND a.user_id = CAST($7 AS TEXT) AND ${wants(eventType)}
     AND ${notExcluded('a.user_id')}`;

/** Column values in the order of USER_COLUMNS. */
const userColumns = (u: User) => [
  u.id,
  u.poolId,
  u.username,
  u.email,
  u.name,
  u.passwordHash,
  u.createdAt,
  u.updatedAt,
];

/** `%query%` for LIKE, with the wildcards in what the administrator typed matched literally. */
const containing = (query: string) => `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const MATCHES = `(lower(username) LIKE $2 ESCAPE '\\' OR lower(email) LIKE $2 ESCAPE '\\')`;

export function createUserStore(db: SqlDriver): Store['users'] {
  const insert = createInsert(db);
  const live = `SELECT ${USER_COLUMNS} FROM users WHERE pool_id = $1 AND deleted_at IS NULL`;
  return {
    create: (u) => insert(`INSERT INTO users (${USER_COLUMNS}) VALUES (${placeholders(8)})`, userColumns(u)),
    get: async (poolId, id) => first((await db.query(`${live} AND id = $2`, [poolId, id])).map(toUser)),
    getMany: async (poolId, ids) =>
      ids.length === 0
        ? []
        : (await db.query(`${live} AND ${db.inList('id', '$2')}`, [poolId, db.listParam(ids)])).map(toUser),
    findByAccount: async (poolId, account) =>
      first(
        (
          await db.query(
            `${live} AND (username = $2 OR email = $3)
             ORDER BY CASE WHEN username = $2 THEN 0 ELSE 1 END LIMIT 1`,
            [poolId, account, account.toLowerCase()],
          )
        ).map(toUser),
      ),
    search: async (poolId, query, limit) =>
      (
        await db.query(`${live} AND ${MATCHES} ORDER BY username, email, id LIMIT $3`, [
          poolId,
          containing(query),
          limit,
        ])
      ).map(toUser),
    list: async (poolId, query, offset, limit) => {
      // Newest first along users_pool_created; a query filters the same walk.
      const where = query === null ? '' : ` AND ${MATCHES}`;
      const params: unknown[] = query === null ? [poolId] : [poolId, containing(query)];
      const n = params.length;
      const total = await db.query(
        `SELECT count(*) AS n FROM users WHERE pool_id = $1 AND deleted_at IS NULL${where}`,
        params,
      );
      const rows = await db.query(
        `${live}${where} ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, limit, offset],
      );
      return { totalCount: countOf(total), list: rows.map(toUser) };
    },
    updateProfile: async (poolId, id, patch) => {
      const columns = Object.entries({
        username: patch.username,
        email: patch.email,
        name: patch.name,
        updated_at: patch.updatedAt,
      }).filter(([, v]) => v !== undefined);
      try {
        const rows = await db.query(
          `UPDATE users SET ${columns.map(([c], i) => `${c} = $${i + 3}`).join(', ')}
           WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${USER_COLUMNS}`,
          [poolId, id, ...columns.map(([, v]) => v)],
        );
        const user = first(rows.map(toUser));
        return user ? { ok: true, user } : { ok: false, reason: 'not_found' };
      } catch (error) {
        const index = db.uniqueViolation(error);
        if (index === null) throw error;
        return { ok: false, reason: 'taken', field: index.includes('email') ? 'email' : 'username' };
      }
    },
    delete: (poolId, id, at) =>
      db.transaction(async (q) => {
        const gone = await q(
          'UPDATE users SET deleted_at = $3 WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id',
          [poolId, id, at],
        );
        if (gone.length === 0) return { deleted: false, apps: [] };
        // RISC account-purged on the streams of every app the user ever signed in to, in the
        // deletion's transaction: an acknowledged deletion never loses its event.
        const queued = await insertSets(
          db,
          q,
          { poolId, eventType: 'account-purged', endId: null, reason: 'user_deleted', detail: null, at },
          streamsOfUserApps('account-purged'),
          [id],
        );
        return { deleted: true, apps: [...new Set(queued)] };
      }),
    setPassword: (poolId, userId, write, end) =>
      db.transaction(async (q) => {
        const { change } = write;
        const checked = write.expectedHash !== undefined;
        const updated = await q(
          `UPDATE users SET password_hash = $3, updated_at = $4
           WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL${checked ? ' AND password_hash = $5' : ''}
           RETURNING id`,
          [poolId, userId, write.passwordHash, change.at, ...(checked ? [write.expectedHash] : [])],
        );
        if (updated.length === 0) return { written: false, record: null, apps: [], end: null };
        // The sessions the change ends, in its transaction: committed together or not at all.
        const ended = end ? await endInTransaction(db, q, end.selector, end.meta) : null;
        // CAEP credential-change on the streams of every app the user ever signed in to (the
        // apps that may hold the user's sessions or tokens), as account-purged is queued; its
        // txn is the change's id, which is also the id of the end it caused.
        const queued = await insertSets(
          db,
          q,
          {
            poolId,
            eventType: 'credential-change',
            endId: change.id,
            reason: change.reason,
            detail: { initiatingEntity: write.initiatingEntity },
            at: change.at,
          },
          streamsOfUserApps('credential-change'),
          [userId],
        );
        const record = {
          ...change,
          poolId,
          userId,
          sessionsEnded: ended?.sessions ?? 0,
          events: queued.length,
        };
        await q(
          `INSERT INTO credential_changes (id, pool_id, user_id, at, credential_type, reason, actor_type, actor_id,
             end_sessions, sessions_ended, events)
           VALUES (${placeholders(11)})`,
          [
            record.id,
            poolId,
            userId,
            record.at,
            record.credentialType,
            record.reason,
            record.actor.type,
            record.actor.id,
            record.endSessions,
            record.sessionsEnded,
            record.events,
          ],
        );
        return { written: true, record, apps: [...new Set(queued)], end: ended };
      }),
  };
}
