// Sessions and their app sessions: sign-in, activity, reads, and the session core's write
// (`end`). Ending is set-based — one UPDATE … RETURNING per table — which is what keeps a
// 30,000-session kick inside one short transaction.
import type { AppSession, SessionEndRecord } from '../../domain/model.ts';
import type { Query, SqlDriver } from '../sql-driver.ts';
import type { EndMeta, EndOutcome, EndSelector, Revocation, Store } from '../store.ts';
import { createLiveSessionQueries } from './live-sessions.ts';
import {
  APP_SESSION_COLUMNS,
  APP_SESSION_SELECT,
  appSessionColumns,
  appSessionsOf,
  SESSION_COLUMNS,
  SESSION_SELECT,
  sessionColumns,
  toAppSession,
  toSession,
  withApps,
} from './session-rows.ts';
import { appsWithStreams, queueSetsOfEnd } from './set-queue.ts';
import { first, placeholders, type Row } from './sql-helpers.ts';

export function createSessionStore(db: SqlDriver): Store['sessions'] {
  return {
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
      const apps = await appSessionsOf(db, poolId, [id], false);
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
        db,
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
    end: (selector, meta) => db.transaction((q) => endInTransaction(db, q, selector, meta)),
    recordToken: async (poolId, sessionId, exp) => {
      await db.query(
        `UPDATE sessions SET tokens_until = $3
         WHERE pool_id = $1 AND id = $2 AND (tokens_until IS NULL OR tokens_until < $3)`,
        [poolId, sessionId, exp],
      );
    },
    listEndedSince: async (since) =>
      revocations(
        await db.query('SELECT at, holds_until, revoked FROM session_ends WHERE at >= $1', [since]),
      ),
    listHolding: async (now) =>
      revocations(
        await db.query('SELECT at, holds_until, revoked FROM session_ends WHERE holds_until > $1', [now]),
      ),
    ...createLiveSessionQueries(db),
  };
}

function revocations(rows: Row[]): Revocation[] {
  const revoked: Revocation[] = [];
  for (const r of rows) {
    const endedAt = Number(r.at);
    const holdsUntil = Number(r.holds_until);
    for (const id of JSON.parse(r.revoked as string) as string[]) revoked.push({ id, endedAt, holdsUntil });
  }
  return revoked;
}

/**
 * The session core's write, inside one transaction: marks the selected live sessions (or one
 * app's part of them) ended, queues one back-channel delivery per app session ending with them
 * whose app has a back-channel URI, deletes what their OIDC grants issued, and writes the audit
 * record with the revoked ids. Run in the caller's transaction `q`: `sessions.end`'s own, or a
 * password change's (src/store/sql/users.ts), which must not commit without its end.
 */
export async function endInTransaction(
  db: SqlDriver,
  q: Query,
  selector: EndSelector,
  meta: EndMeta,
): Promise<EndOutcome> {
  const { poolId } = selector;
  const streaming = await appsWithStreams(q, poolId);
  const notifying = new Set(
    (
      await q(
        'SELECT id FROM apps WHERE pool_id = $1 AND backchannel_logout_uri IS NOT NULL AND deleted_at IS NULL',
        [poolId],
      )
    ).map((r) => r.id as string),
  );
  const delivery = `INSERT INTO notices
         (id, pool_id, app_id, kind, route, session_id, user_id, end_id, status, attempts, next_attempt_at, created_at)
       SELECT a.id, a.pool_id, a.app_id, 'backchannel', 'backchannel', a.session_id, a.user_id, CAST($1 AS TEXT),
              'pending', 0, CAST($2 AS BIGINT), CAST($2 AS BIGINT)
       FROM app_sessions a JOIN apps p ON p.id = a.app_id AND p.pool_id = a.pool_id
       WHERE a.pool_id = $3 AND p.backchannel_logout_uri IS NOT NULL AND p.deleted_at IS NULL`;

  let revoked: string[];
  let sessions: number;
  let events = 0;
  // The sessions an app-scoped end touched (the whole-session ends' are `revoked` itself).
  const sessionIds = new Set<string>();
  const perApp = new Map<string, number>();
  if (selector.scope === 'sessions' || selector.scope === 'users') {
    // Whole sessions: one UPDATE of the sessions; their live app sessions end with them
    // without being rewritten (an app session is live only while its session is).
    const where =
      selector.scope === 'sessions' ? db.inList('id', '$4') : `${db.inList('user_id', '$4')} AND id <> $5`;
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
    if (revoked.length === 0) return nothingEnded();
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
    if ([...perApp.keys()].some((app) => streaming.has(app))) {
      events = await queueSetsOfEnd(db, q, {
        poolId,
        recordId: meta.recordId,
        reason: meta.reason,
        at: meta.at,
        // Every session of the users: one event with the user alone stands for them all.
        perUser: selector.scope === 'users' && selector.exceptSessionId === undefined,
        endedSessions: revoked,
      });
    }
  } else {
    // One app's part of live sessions; the sessions and their other apps go on.
    const where = selector.scope === 'app-users' ? db.inList('user_id', '$5') : db.inList('session_id', '$5');
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
    if (rows.length === 0) return nothingEnded();
    revoked = rows.map((r) => r.id as string);
    for (const r of rows) sessionIds.add(r.session_id as string);
    sessions = sessionIds.size;
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
    if (streaming.has(selector.appId)) {
      events = await queueSetsOfEnd(db, q, {
        poolId,
        recordId: meta.recordId,
        reason: meta.reason,
        at: meta.at,
        // A kick ends every session of the users in the app: one event per user.
        perUser: selector.scope === 'app-users',
        endedAppSessions: { appId: selector.appId, ids: revoked },
      });
    }
  }

  // Until when the ids must stay revoked: the last access token issued on these sessions
  // expires then (issue 10: not the lifetime configured now, which may be shorter).
  const endedSessions =
    selector.scope === 'sessions' || selector.scope === 'users' ? revoked : [...sessionIds];
  const latest = await q(
    `SELECT max(tokens_until) AS t FROM sessions WHERE pool_id = $1 AND ${db.inList('id', '$2')}`,
    [poolId, db.listParam(endedSessions)],
  );
  const holdsUntil = Math.max(meta.at, Number(latest[0]?.t ?? 0));

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
    `INSERT INTO session_ends (id, pool_id, at, reason, actor_type, actor_id, sessions, app_sessions, apps, revoked,
       holds_until)
     VALUES (${placeholders(11)})`,
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
      holdsUntil,
    ],
  );
  return { revoked, sessions, appSessions, deliveries, events, record, holdsUntil };
}

const nothingEnded = (): EndOutcome => ({
  revoked: [],
  sessions: 0,
  appSessions: 0,
  deliveries: 0,
  events: 0,
  record: null,
  holdsUntil: 0,
});
