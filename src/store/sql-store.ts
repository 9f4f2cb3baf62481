// The Store implemented once in SQL that SQLite and PostgreSQL both run. Ending sessions is
// set-based (one UPDATE … RETURNING per table), which is what keeps a 30,000-session kick
// inside one short transaction.
import type { AppSession, SessionEndRecord } from '../domain/model.ts';
import {
  APP_COLUMNS,
  APP_SESSION_COLUMNS,
  appColumns,
  appSessionColumns,
  DELIVERY_COLUMNS,
  KEY_COLUMNS,
  keyColumns,
  SESSION_COLUMNS,
  sessionColumns,
  toAdmin,
  toApp,
  toAppSession,
  toBulkLogout,
  toDelivery,
  toKey,
  toPool,
  toSession,
  toSessionEnd,
  toUser,
  USER_COLUMNS,
  userColumns,
  withApps,
} from './rows.ts';
import type { Query, SqlDriver } from './sql-driver.ts';
import type { CreateResult, DueDelivery, EndMeta, EndOutcome, EndSelector, Store } from './store.ts';

const OIDC_SELECT =
  'SELECT payload, consumed_at FROM oidc_payloads WHERE model = $1 AND (expires_at IS NULL OR expires_at > $2)';

function oidcPayload(rows: Record<string, unknown>[]): Record<string, unknown> | null {
  const row = rows[0];
  if (!row) return null;
  const payload = JSON.parse(row.payload as string) as Record<string, unknown>;
  // oidc-provider reads `consumed` (seconds) to refuse a code or token used twice.
  if (row.consumed_at !== null && row.consumed_at !== undefined) {
    payload.consumed = Math.floor(Number(row.consumed_at) / 1000);
  }
  return payload;
}

const placeholders = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => `$${i + from}`).join(', ');

const APP_SESSION_SELECT = `SELECT ${APP_SESSION_COLUMNS}, ended_at, end_reason FROM app_sessions`;
const SESSION_SELECT = `SELECT ${SESSION_COLUMNS}, ended_at, end_reason FROM sessions`;

export function createSqlStore(db: SqlDriver): Store {
  async function insert(sql: string, params: unknown[]): Promise<CreateResult> {
    try {
      await db.query(sql, params);
      return { ok: true };
    } catch (error) {
      const index = db.uniqueViolation(error);
      if (index === null) throw error;
      if (index.includes('email')) return { ok: false, conflict: 'email' };
      if (index.includes('username')) return { ok: false, conflict: 'username' };
      return { ok: false, conflict: 'id' };
    }
  }

  const first = <T>(rows: T[]): T | null => rows[0] ?? null;

  async function appSessionsOf(q: Query, poolId: string, sessionIds: string[], liveOnly: boolean) {
    if (sessionIds.length === 0) return [];
    const rows = await q(
      `${APP_SESSION_SELECT} WHERE pool_id = $1 AND ${db.inList('session_id', '$2')}${liveOnly ? ' AND ended_at IS NULL' : ''} ORDER BY created_at`,
      [poolId, db.listParam(sessionIds)],
    );
    return rows.map(toAppSession);
  }

  async function end(selector: EndSelector, meta: EndMeta): Promise<EndOutcome> {
    return db.transaction(async (q) => {
      const { poolId } = selector;
      const nothing: EndOutcome = { revoked: [], sessions: 0, appSessions: 0, deliveries: 0, record: null };
      const notifying = new Set(
        (
          await q(
            'SELECT id FROM apps WHERE pool_id = $1 AND backchannel_logout_uri IS NOT NULL AND deleted_at IS NULL',
            [poolId],
          )
        ).map((r) => r.id as string),
      );
      const delivery = `INSERT INTO logout_deliveries
             (id, pool_id, app_id, session_id, user_id, end_id, status, attempts, next_attempt_at, created_at)
           SELECT a.id, a.pool_id, a.app_id, a.session_id, a.user_id, CAST($1 AS TEXT), 'pending', 0,
                  CAST($2 AS BIGINT), CAST($2 AS BIGINT)
           FROM app_sessions a JOIN apps p ON p.id = a.app_id AND p.pool_id = a.pool_id
           WHERE a.pool_id = $3 AND p.backchannel_logout_uri IS NOT NULL AND p.deleted_at IS NULL`;

      let revoked: string[];
      let sessions: number;
      const perApp = new Map<string, number>();
      if (selector.scope === 'sessions' || selector.scope === 'users') {
        // Whole sessions: one UPDATE of the sessions; their live app sessions end with them
        // without being rewritten (an app session is live only while its session is).
        const where =
          selector.scope === 'sessions'
            ? db.inList('id', '$4')
            : `${db.inList('user_id', '$4')} AND id <> $5`;
        const params: unknown[] = [
          meta.at,
          meta.reason,
          poolId,
          db.listParam(selector.scope === 'sessions' ? selector.sessionIds : selector.userIds),
        ];
        if (selector.scope === 'users') params.push(selector.exceptSessionId ?? '');
        revoked = (
          await q(
            `UPDATE sessions SET ended_at = $1, end_reason = $2
             WHERE pool_id = $3 AND ended_at IS NULL AND ${where} RETURNING id`,
            params,
          )
        ).map((r) => r.id as string);
        if (revoked.length === 0) return nothing;
        sessions = revoked.length;
        const ended = db.listParam(revoked);
        for (const r of await q(
          `SELECT app_id, count(*) AS n FROM app_sessions
           WHERE pool_id = $1 AND ended_at IS NULL AND ${db.inList('session_id', '$2')} GROUP BY app_id`,
          [poolId, ended],
        )) {
          perApp.set(r.app_id as string, Number(r.n));
        }
        if ([...perApp.keys()].some((app) => notifying.has(app))) {
          await q(`${delivery} AND a.ended_at IS NULL AND ${db.inList('a.session_id', '$4')}`, [
            meta.recordId,
            meta.at,
            poolId,
            ended,
          ]);
        }
      } else {
        // One app's part of live sessions; the sessions and their other apps go on.
        const where =
          selector.scope === 'app-users' ? db.inList('user_id', '$5') : db.inList('session_id', '$5');
        const rows = await q(
          `UPDATE app_sessions SET ended_at = $1, end_reason = $2
           WHERE pool_id = $3 AND app_id = $4 AND ended_at IS NULL AND ${where}
             AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = app_sessions.session_id AND s.ended_at IS NULL)
           RETURNING id, session_id`,
          [
            meta.at,
            meta.reason,
            poolId,
            selector.appId,
            db.listParam(selector.scope === 'app-users' ? selector.userIds : selector.sessionIds),
          ],
        );
        if (rows.length === 0) return nothing;
        revoked = rows.map((r) => r.id as string);
        sessions = new Set(rows.map((r) => r.session_id as string)).size;
        perApp.set(selector.appId, rows.length);
        if (notifying.has(selector.appId)) {
          // The app's id narrows the search to its app sessions (SQLite otherwise walked the
          // whole pool's through the index's first column).
          await q(`${delivery} AND a.app_id = $5 AND ${db.inList('a.id', '$4')}`, [
            meta.recordId,
            meta.at,
            poolId,
            db.listParam(revoked),
            selector.appId,
          ]);
        }
      }

      // Logout means logout: every code and token an OIDC grant of these sessions issued goes,
      // offline_access refresh tokens included (oidc-provider would keep those by default).
      const linked =
        selector.scope === 'sessions' || selector.scope === 'users' ? 'session_id' : 'app_session_id';
      await q(
        `DELETE FROM oidc_payloads WHERE grant_id IN (
           SELECT grant_id FROM oidc_grants WHERE pool_id = $1 AND ${db.inList(linked, '$2')})`,
        [poolId, db.listParam(revoked)],
      );

      let appSessions = 0;
      let deliveries = 0;
      for (const [app, n] of perApp) {
        appSessions += n;
        if (notifying.has(app)) deliveries += n;
      }
      const apps = [...perApp.keys()].sort();
      const record: SessionEndRecord = {
        id: meta.recordId,
        poolId,
        at: meta.at,
        reason: meta.reason,
        actor: meta.actor,
        sessions,
        appSessions,
        apps,
      };
      await q(
        `INSERT INTO session_ends (id, pool_id, at, reason, actor_type, actor_id, sessions, app_sessions, apps, revoked)
         VALUES (${placeholders(10)})`,
        [
          record.id,
          poolId,
          record.at,
          record.reason,
          record.actor.type,
          record.actor.id,
          record.sessions,
          record.appSessions,
          JSON.stringify(apps),
          JSON.stringify(revoked),
        ],
      );
      return { revoked, sessions, appSessions, deliveries, record };
    });
  }

  return {
    kind: db.kind,
    migrate: () => db.migrate(),
    optimize: () => db.optimize(),
    close: () => db.close(),

    pools: {
      create: (p) =>
        insert(`INSERT INTO pools (id, name, secret_hash, created_at) VALUES (${placeholders(4)})`, [
          p.id,
          p.name,
          p.secretHash,
          p.createdAt,
        ]),
      get: async (id) => first((await db.query('SELECT * FROM pools WHERE id = $1', [id])).map(toPool)),
      list: async () => (await db.query('SELECT * FROM pools ORDER BY created_at, id')).map(toPool),
    },

    admins: {
      create: (a) =>
        insert(`INSERT INTO admins (id, email, password_hash, created_at) VALUES (${placeholders(4)})`, [
          a.id,
          a.email,
          a.passwordHash,
          a.createdAt,
        ]),
      findByEmail: async (email) =>
        first((await db.query('SELECT * FROM admins WHERE email = $1', [email])).map(toAdmin)),
      count: async () => Number((await db.query('SELECT count(*) AS n FROM admins'))[0]?.n ?? 0),
    },

    consoleSessions: {
      create: async (c) => {
        await db.query(
          `INSERT INTO console_sessions (secret_hash, admin_id, created_at, expires_at) VALUES (${placeholders(4)})`,
          [c.secretHash, c.adminId, c.createdAt, c.expiresAt],
        );
      },
      find: async (secretHash, now) =>
        first(
          (
            await db.query(
              `SELECT a.* FROM console_sessions c JOIN admins a ON a.id = c.admin_id
               WHERE c.secret_hash = $1 AND c.expires_at > $2`,
              [secretHash, now],
            )
          ).map(toAdmin),
        ),
      delete: async (secretHash) => {
        await db.query('DELETE FROM console_sessions WHERE secret_hash = $1', [secretHash]);
      },
      purgeExpired: async (now) =>
        (await db.query('DELETE FROM console_sessions WHERE expires_at <= $1 RETURNING secret_hash', [now]))
          .length,
    },

    apps: {
      create: (a) => insert(`INSERT INTO apps (${APP_COLUMNS}) VALUES (${placeholders(10)})`, appColumns(a)),
      get: async (poolId, id) =>
        first(
          (
            await db.query(
              `SELECT ${APP_COLUMNS} FROM apps WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL`,
              [poolId, id],
            )
          ).map(toApp),
        ),
      resolve: async (id) =>
        first(
          (await db.query(`SELECT ${APP_COLUMNS} FROM apps WHERE id = $1 AND deleted_at IS NULL`, [id])).map(
            toApp,
          ),
        ),
      list: async (poolId) =>
        (
          await db.query(
            `SELECT ${APP_COLUMNS} FROM apps WHERE pool_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
            [poolId],
          )
        ).map(toApp),
      update: async (poolId, id, patch) => {
        const columns: Record<string, unknown> = {
          name: patch.name,
          identifier: patch.identifier,
          redirect_uris: patch.redirectUris && JSON.stringify(patch.redirectUris),
          logout_redirect_uris: patch.logoutRedirectUris && JSON.stringify(patch.logoutRedirectUris),
          backchannel_logout_uri: patch.backchannelLogoutUri,
          secret_hash: patch.secretHash,
          updated_at: patch.updatedAt,
        };
        const entries = Object.entries(columns).filter(([, v]) => v !== undefined);
        const rows = await db.query(
          `UPDATE apps SET ${entries.map(([c], i) => `${c} = $${i + 3}`).join(', ')}
           WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${APP_COLUMNS}`,
          [poolId, id, ...entries.map(([, v]) => v)],
        );
        return first(rows.map(toApp));
      },
      delete: async (poolId, id, at) =>
        (
          await db.query(
            'UPDATE apps SET deleted_at = $3 WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id',
            [poolId, id, at],
          )
        ).length > 0,
    },

    users: {
      create: (u) =>
        insert(`INSERT INTO users (${USER_COLUMNS}) VALUES (${placeholders(8)})`, userColumns(u)),
      get: async (poolId, id) =>
        first(
          (
            await db.query(
              `SELECT ${USER_COLUMNS} FROM users WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL`,
              [poolId, id],
            )
          ).map(toUser),
        ),
      getMany: async (poolId, ids) =>
        ids.length === 0
          ? []
          : (
              await db.query(
                `SELECT ${USER_COLUMNS} FROM users WHERE pool_id = $1 AND deleted_at IS NULL AND ${db.inList('id', '$2')}`,
                [poolId, db.listParam(ids)],
              )
            ).map(toUser),
      findByAccount: async (poolId, account) =>
        first(
          (
            await db.query(
              `SELECT ${USER_COLUMNS} FROM users
               WHERE pool_id = $1 AND deleted_at IS NULL AND (username = $2 OR email = $3)
               ORDER BY CASE WHEN username = $2 THEN 0 ELSE 1 END LIMIT 1`,
              [poolId, account, account.toLowerCase()],
            )
          ).map(toUser),
        ),
      search: async (poolId, query, limit) => {
        // LIKE wildcards in what the administrator typed are matched literally.
        const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        return (
          await db.query(
            `SELECT ${USER_COLUMNS} FROM users
             WHERE pool_id = $1 AND deleted_at IS NULL
               AND (lower(username) LIKE $2 ESCAPE '\\' OR lower(email) LIKE $2 ESCAPE '\\')
             ORDER BY username, email, id LIMIT $3`,
            [poolId, pattern, limit],
          )
        ).map(toUser);
      },
      delete: async (poolId, id, at) =>
        (
          await db.query(
            'UPDATE users SET deleted_at = $3 WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id',
            [poolId, id, at],
          )
        ).length > 0,
    },

    keys: {
      create: async (k) => {
        await db.query(
          `INSERT INTO signing_keys (${KEY_COLUMNS}) VALUES (${placeholders(7)})`,
          keyColumns(k),
        );
      },
      listUsable: async (since) =>
        (
          await db.query(
            `SELECT ${KEY_COLUMNS} FROM signing_keys WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at, kid`,
            [since],
          )
        ).map(toKey),
      retire: async (poolId, kid, at) => {
        await db.query(
          'UPDATE signing_keys SET retired_at = $3 WHERE pool_id = $1 AND kid = $2 AND retired_at IS NULL',
          [poolId, kid, at],
        );
      },
    },

    sessions: {
      create: async (session, appSession) => {
        await db.transaction(async (q) => {
          await q(
            `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (${placeholders(12)})`,
            sessionColumns(session),
          );
          if (appSession) {
            await q(
              `INSERT INTO app_sessions (${APP_SESSION_COLUMNS}) VALUES (${placeholders(7)})`,
              appSessionColumns(appSession),
            );
          }
        });
      },
      addApp: async (appSession) => {
        await db.query(
          `INSERT INTO app_sessions (${APP_SESSION_COLUMNS}) VALUES (${placeholders(7)})`,
          appSessionColumns(appSession),
        );
      },
      findBySecretHash: async (secretHash, now) =>
        first(
          (
            await db.query(
              `${SESSION_SELECT} WHERE secret_hash = $1 AND ended_at IS NULL AND idle_expires_at > $2 AND expires_at > $2`,
              [secretHash, now],
            )
          ).map(toSession),
        ),
      get: async (poolId, id) => {
        const session = first(
          (await db.query(`${SESSION_SELECT} WHERE pool_id = $1 AND id = $2`, [poolId, id])).map(toSession),
        );
        if (!session) return null;
        const apps = await appSessionsOf(db.query, poolId, [id], false);
        // App sessions end with their session even though their rows are not rewritten.
        return {
          ...session,
          apps: apps.map((a) =>
            a.endedAt === null && session.endedAt !== null
              ? { ...a, endedAt: session.endedAt, endReason: session.endReason }
              : a,
          ),
        };
      },
      listOfUser: async (poolId, userId, now) => {
        const sessions = (
          await db.query(
            `${SESSION_SELECT} WHERE pool_id = $1 AND user_id = $2 AND ended_at IS NULL
             AND idle_expires_at > $3 AND expires_at > $3 ORDER BY last_active_at DESC, id`,
            [poolId, userId, now],
          )
        ).map(toSession);
        const apps = await appSessionsOf(
          db.query,
          poolId,
          sessions.map((s) => s.id),
          true,
        );
        return withApps(sessions, apps);
      },
      latestAppSession: async (poolId, sessionId, appId): Promise<AppSession | null> =>
        first(
          (
            await db.query(
              `${APP_SESSION_SELECT} WHERE pool_id = $1 AND session_id = $2 AND app_id = $3
               ORDER BY created_at DESC, id DESC LIMIT 1`,
              [poolId, sessionId, appId],
            )
          ).map(toAppSession),
        ),
      touch: async (poolId, sessionId, appSessionId, at, idleExpiresAt) => {
        await db.query(
          // Never past the absolute expiry, and never reviving a session already idle-expired.
          `UPDATE sessions SET last_active_at = $3,
             idle_expires_at = CASE WHEN $4 < expires_at THEN $4 ELSE expires_at END
           WHERE pool_id = $1 AND id = $2 AND ended_at IS NULL AND last_active_at < $3 AND idle_expires_at > $3`,
          [poolId, sessionId, at, idleExpiresAt],
        );
        if (appSessionId !== null) {
          await db.query(
            `UPDATE app_sessions SET last_active_at = $3
             WHERE pool_id = $1 AND id = $2 AND ended_at IS NULL AND last_active_at < $3`,
            [poolId, appSessionId, at],
          );
        }
      },
      recordAuthentication: async (poolId, sessionId, at) => {
        await db.query(
          'UPDATE sessions SET authenticated_at = $3 WHERE pool_id = $1 AND id = $2 AND ended_at IS NULL',
          [poolId, sessionId, at],
        );
      },
      end,
      listEndedSince: async (since) => {
        const revoked: { id: string; endedAt: number }[] = [];
        for (const r of await db.query('SELECT at, revoked FROM session_ends WHERE at >= $1', [since])) {
          const endedAt = Number(r.at);
          for (const id of JSON.parse(r.revoked as string) as string[]) revoked.push({ id, endedAt });
        }
        return revoked;
      },
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
          totalCount: Number(total[0]?.n ?? 0),
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
        Number(
          (
            await db.query(
              appId === null
                ? 'SELECT count(*) AS n FROM sessions WHERE pool_id = $1 AND ended_at IS NULL'
                : `SELECT count(DISTINCT a.session_id) AS n FROM app_sessions a JOIN sessions s ON s.id = a.session_id
                   WHERE a.pool_id = $1 AND a.app_id = $2 AND a.ended_at IS NULL AND s.ended_at IS NULL`,
              appId === null ? [poolId] : [poolId, appId],
            )
          )[0]?.n ?? 0,
        ),
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
    },

    deliveries: {
      claimDue: async (now, limit, leaseMs): Promise<DueDelivery[]> => {
        // One statement, so the claim is atomic on both databases. The outer conditions repeat
        // the inner ones: on PostgreSQL a claimer that waited for a row another one just
        // claimed re-checks them on the new row version and leaves the row alone. The pick is
        // a MATERIALIZED CTE, run once: as an `IN (subquery)` PostgreSQL planned a nested-loop
        // semi-join that re-ran the LIMIT … SKIP LOCKED subquery per candidate row, each time
        // skipping the rows just locked, and one run claimed two or three batches.
        const rows = await db.query(
          `WITH picked AS MATERIALIZED (
             SELECT id FROM logout_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
             ORDER BY next_attempt_at, id LIMIT $3${db.skipLocked}
           )
           UPDATE logout_deliveries SET next_attempt_at = $2
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
      markDelivered: async (poolId, id, attempts, at) =>
        (
          await db.query(
            `UPDATE logout_deliveries SET status = 'delivered', attempts = $3, delivered_at = $4
             WHERE pool_id = $1 AND id = $2 AND status = 'pending' RETURNING id`,
            [poolId, id, attempts, at],
          )
        ).length > 0,
      markRetry: async (poolId, id, attempts, nextAttemptAt, error) =>
        (
          await db.query(
            `UPDATE logout_deliveries SET attempts = $3, next_attempt_at = $4, last_error = $5
             WHERE pool_id = $1 AND id = $2 AND status = 'pending' RETURNING id`,
            [poolId, id, attempts, nextAttemptAt, error],
          )
        ).length > 0,
      markFailed: async (poolId, id, attempts, error) =>
        (
          await db.query(
            `UPDATE logout_deliveries SET status = 'failed', attempts = $3, last_error = $4
             WHERE pool_id = $1 AND id = $2 AND status = 'pending' RETURNING id`,
            [poolId, id, attempts, error],
          )
        ).length > 0,
      get: async (poolId, id) =>
        first(
          (
            await db.query(
              `SELECT ${DELIVERY_COLUMNS} FROM logout_deliveries WHERE pool_id = $1 AND id = $2`,
              [poolId, id],
            )
          ).map(toDelivery),
        ),
      list: async (poolId, appId, status, offset, limit) => {
        const where = `pool_id = $1 AND app_id = $2${status === null ? '' : ' AND status = $3'}`;
        const params: unknown[] = status === null ? [poolId, appId] : [poolId, appId, status];
        const n = params.length;
        const total = await db.query(`SELECT count(*) AS n FROM logout_deliveries WHERE ${where}`, params);
        const rows = await db.query(
          `SELECT ${DELIVERY_COLUMNS} FROM logout_deliveries WHERE ${where}
           ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...params, limit, offset],
        );
        return { totalCount: Number(total[0]?.n ?? 0), list: rows.map(toDelivery) };
      },
      replay: async (poolId, appId, which, now) => {
        const set = `UPDATE logout_deliveries
           SET status = 'pending', attempts = 0, next_attempt_at = $3, replayed_at = $3, delivered_at = NULL
           WHERE pool_id = $1 AND app_id = $2`;
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
    },

    oidc: {
      upsert: async (model, id, payload, expiresAt) => {
        const str = (v: unknown) => (typeof v === 'string' ? v : null);
        await db.query(
          `INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
             uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
          [
            model,
            id,
            JSON.stringify(payload),
            str(payload.grantId),
            str(payload.uid),
            str(payload.userCode),
            expiresAt,
          ],
        );
      },
      find: async (model, id, now) =>
        oidcPayload(await db.query(`${OIDC_SELECT} AND id = $3`, [model, now, id])),
      findByUid: async (model, uid, now) =>
        oidcPayload(await db.query(`${OIDC_SELECT} AND uid = $3`, [model, now, uid])),
      findByUserCode: async (model, userCode, now) =>
        oidcPayload(await db.query(`${OIDC_SELECT} AND user_code = $3`, [model, now, userCode])),
      consume: async (model, id, at) => {
        await db.query('UPDATE oidc_payloads SET consumed_at = $3 WHERE model = $1 AND id = $2', [
          model,
          id,
          at,
        ]);
      },
      destroy: async (model, id) => {
        await db.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id]);
      },
      revokeByGrantId: async (grantId) => {
        await db.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
      },
      linkGrant: async (l) => {
        await db.query(
          `INSERT INTO oidc_grants (grant_id, pool_id, session_id, app_session_id, created_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (grant_id) DO NOTHING`,
          [l.grantId, l.poolId, l.sessionId, l.appSessionId, l.createdAt],
        );
      },
      grantLink: async (grantId) => {
        const row = (await db.query('SELECT * FROM oidc_grants WHERE grant_id = $1', [grantId]))[0];
        return row
          ? {
              grantId: row.grant_id as string,
              poolId: row.pool_id as string,
              sessionId: row.session_id as string,
              appSessionId: row.app_session_id as string,
              createdAt: Number(row.created_at),
            }
          : null;
      },
      purgeExpired: async (now) =>
        (await db.query('DELETE FROM oidc_payloads WHERE expires_at <= $1 RETURNING id', [now])).length,
    },

    bulkLogouts: {
      create: async (j) => {
        await db.query(
          `INSERT INTO bulk_logouts (id, pool_id, app_id, status, reason, actor_type, actor_id, total, ended, batches,
             error, created_at, updated_at, finished_at) VALUES (${placeholders(14)})`,
          [
            j.id,
            j.poolId,
            j.appId,
            j.status,
            j.reason,
            j.actor.type,
            j.actor.id,
            j.total,
            j.ended,
            j.batches,
            j.error,
            j.createdAt,
            j.updatedAt,
            j.finishedAt,
          ],
        );
      },
      get: async (poolId, id) =>
        first(
          (await db.query('SELECT * FROM bulk_logouts WHERE pool_id = $1 AND id = $2', [poolId, id])).map(
            toBulkLogout,
          ),
        ),
      list: async (poolId, limit) =>
        (
          await db.query(
            'SELECT * FROM bulk_logouts WHERE pool_id = $1 ORDER BY created_at DESC, id LIMIT $2',
            [poolId, limit],
          )
        ).map(toBulkLogout),
      listRunning: async () =>
        (await db.query("SELECT * FROM bulk_logouts WHERE status = 'running' ORDER BY created_at")).map(
          toBulkLogout,
        ),
      progress: async (id, ended, batches, at) => {
        await db.query('UPDATE bulk_logouts SET ended = $2, batches = $3, updated_at = $4 WHERE id = $1', [
          id,
          ended,
          batches,
          at,
        ]);
      },
      finish: async (id, status, error, at) => {
        await db.query(
          'UPDATE bulk_logouts SET status = $2, error = $3, updated_at = $4, finished_at = $4 WHERE id = $1',
          [id, status, error, at],
        );
      },
    },

    audit: {
      listSessionEnds: async (poolId, offset, limit) => {
        const total = await db.query('SELECT count(*) AS n FROM session_ends WHERE pool_id = $1', [poolId]);
        const rows = await db.query(
          'SELECT * FROM session_ends WHERE pool_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3',
          [poolId, limit, offset],
        );
        return { totalCount: Number(total[0]?.n ?? 0), list: rows.map(toSessionEnd) };
      },
    },
  };
}
