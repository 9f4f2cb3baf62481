// Shared Signals streams, their subject exclusions, and the SETs queued on them (outbox rows
// of kind 'set', delivered by the notice worker when pushed, handed to the receiver's poll
// when polled).
import {
  type EventStream,
  type QueuedSet,
  type SetEventType,
  SSF_POLL,
  SSF_PUSH,
  type StreamStats,
} from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { replayNotices } from './notices.ts';
import { insertSets, liveStreamsOf, notExcluded, ROUTE_OF_STREAM, routeFor, wants } from './set-queue.ts';
import { first, json, nnum, nstr, num, placeholders, type Row, str } from './sql-helpers.ts';

const STREAM_COLUMNS =
  'id, pool_id, app_id, method, endpoint_url, authorization_header, events_requested, events_delivered, description, status, status_reason, created_at, updated_at, last_polled_at, last_verification_at';

const toStream = (r: Row): EventStream => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  appId: str(r.app_id),
  delivery: r.method === SSF_PUSH ? 'push' : 'poll',
  endpointUrl: nstr(r.endpoint_url),
  authorizationHeader: nstr(r.authorization_header),
  eventsRequested: r.events_requested === null ? null : json<string[]>(r.events_requested),
  eventsDelivered: json<string[]>(r.events_delivered),
  description: nstr(r.description),
  status: str(r.status) as EventStream['status'],
  statusReason: nstr(r.status_reason),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
  lastPolledAt: nnum(r.last_polled_at),
  lastVerificationAt: nnum(r.last_verification_at),
});

const methodOf = (delivery: EventStream['delivery']) => (delivery === 'push' ? SSF_PUSH : SSF_POLL);

const QUEUED_COLUMNS =
  'id, pool_id, app_id, stream_id, event_type, session_id, user_id, end_id, reason, detail, created_at';

export const toQueuedSet = (r: Row): QueuedSet => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  appId: str(r.app_id),
  streamId: str(r.stream_id),
  eventType: str(r.event_type) as SetEventType,
  sessionId: nstr(r.session_id),
  userId: nstr(r.user_id),
  endId: nstr(r.end_id),
  reason: nstr(r.reason),
  detail: r.detail === null || r.detail === undefined ? null : json<Record<string, unknown>>(r.detail),
  createdAt: num(r.created_at),
});

export function createSSFStore(db: SqlDriver): Store['ssf'] {
  const getStream = async (poolId: string, appId: string, id: string) =>
    first(
      (
        await db.query(
          `SELECT ${STREAM_COLUMNS} FROM ssf_streams WHERE pool_id = $1 AND app_id = $2 AND id = $3`,
          [poolId, appId, id],
        )
      ).map(toStream),
    );

  return {
    createStream: async (s) => {
      await db.query(`INSERT INTO ssf_streams (${STREAM_COLUMNS}) VALUES (${placeholders(15)})`, [
        s.id,
        s.poolId,
        s.appId,
        methodOf(s.delivery),
        s.endpointUrl,
        s.authorizationHeader,
        s.eventsRequested === null ? null : JSON.stringify(s.eventsRequested),
        JSON.stringify(s.eventsDelivered),
        s.description,
        s.status,
        s.statusReason,
        s.createdAt,
        s.updatedAt,
        s.lastPolledAt,
        s.lastVerificationAt,
      ]);
    },

    getStream,

    listStreams: async (poolId, appId) =>
      (
        await db.query(
          `SELECT ${STREAM_COLUMNS} FROM ssf_streams WHERE pool_id = $1 AND app_id = $2 ORDER BY created_at, id`,
          [poolId, appId],
        )
      ).map(toStream),

    updateStream: (poolId, appId, id, patch) =>
      db.transaction(async (q) => {
        const columns: Record<string, unknown> = {
          method: patch.delivery && methodOf(patch.delivery),
          endpoint_url: patch.endpointUrl,
          authorization_header: patch.authorizationHeader,
          events_requested:
            patch.eventsRequested === undefined
              ? undefined
              : patch.eventsRequested === null
                ? null
                : JSON.stringify(patch.eventsRequested),
          events_delivered: patch.eventsDelivered && JSON.stringify(patch.eventsDelivered),
          description: patch.description,
          status: patch.status,
          status_reason: patch.statusReason,
          updated_at: patch.updatedAt,
        };
        const entries = Object.entries(columns).filter(([, v]) => v !== undefined);
        const row = (
          await q(
            `UPDATE ssf_streams SET ${entries.map(([c], i) => `${c} = $${i + 4}`).join(', ')}
             WHERE pool_id = $1 AND app_id = $2 AND id = $3 RETURNING ${STREAM_COLUMNS}`,
            [poolId, appId, id, ...entries.map(([, v]) => v)],
          )
        )[0];
        if (!row) return null;
        const stream = toStream(row);
        // The stream's waiting SETs follow it (SSF 1.0 §8.1.2): a disabled stream drops them.
        if (stream.status === 'disabled') {
          await q(`DELETE FROM notices WHERE stream_id = $1 AND status = 'pending'`, [id]);
        } else {
          await q(
            `UPDATE notices SET route = $2 WHERE stream_id = $1 AND status = 'pending' AND route <> $2`,
            [id, routeFor({ status: stream.status, method: methodOf(stream.delivery) })],
          );
        }
        return stream;
      }),

    deleteStream: (poolId, appId, id) =>
      db.transaction(async (q) => {
        const gone = await q(
          'DELETE FROM ssf_streams WHERE pool_id = $1 AND app_id = $2 AND id = $3 RETURNING id',
          [poolId, appId, id],
        );
        if (gone.length === 0) return false;
        await q('DELETE FROM notices WHERE stream_id = $1', [id]);
        await q('DELETE FROM ssf_stream_exclusions WHERE stream_id = $1', [id]);
        return true;
      }),

    excludeUser: async (streamId, userId, at) => {
      await db.query(
        `INSERT INTO ssf_stream_exclusions (stream_id, user_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (stream_id, user_id) DO NOTHING`,
        [streamId, userId, at],
      );
    },

    includeUser: async (streamId, userId) => {
      await db.query('DELETE FROM ssf_stream_exclusions WHERE stream_id = $1 AND user_id = $2', [
        streamId,
        userId,
      ]);
    },

    isAppUser: async (poolId, appId, userId) =>
      (
        await db.query(
          'SELECT 1 AS x FROM app_sessions WHERE app_id = $1 AND user_id = $2 AND pool_id = $3 LIMIT 1',
          [appId, userId, poolId],
        )
      ).length > 0,

    queue: async (input) => {
      if (input.appIds.length === 0 && input.streamId === undefined) return [];
      const target = input.streamId === undefined ? db.inList('a.app_id', '$7') : 'st.id = CAST($7 AS TEXT)';
      // `a` is one row per app of the list (or the stream's app): the streams are joined on it.
      const apps =
        input.streamId === undefined
          ? `(SELECT id AS app_id FROM apps WHERE pool_id = CAST($1 AS TEXT) AND ${db.inList('id', '$7')}) a`
          : `(SELECT app_id FROM ssf_streams WHERE id = CAST($7 AS TEXT)) a`;
      const verification = input.eventType === 'verification';
      return db.transaction((q) =>
        insertSets(
          db,
          q,
          input,
          `SELECT st.id AS stream_id, st.app_id, CAST($8 AS TEXT) AS session_id, CAST($9 AS TEXT) AS user_id,
             ${ROUTE_OF_STREAM} AS route
           FROM ${apps} ${liveStreamsOf('a.app_id', 'CAST($1 AS TEXT)')}
           WHERE ${target}${verification ? '' : ` AND ${wants(input.eventType)}`}
             ${input.userId === null ? '' : `AND ${notExcluded('CAST($9 AS TEXT)')}`}`,
          [
            input.streamId === undefined ? db.listParam(input.appIds) : input.streamId,
            input.sessionId,
            input.userId,
          ],
        ),
      );
    },

    pollable: async (poolId, streamId, limit) =>
      (
        await db.query(
          `SELECT ${QUEUED_COLUMNS} FROM notices
           WHERE stream_id = $1 AND pool_id = $2 AND status = 'pending' AND route = 'poll'
           ORDER BY created_at, id LIMIT $3`,
          [streamId, poolId, limit],
        )
      ).map(toQueuedSet),

    acknowledge: async (poolId, streamId, jtis, at) =>
      jtis.length === 0
        ? 0
        : (
            await db.query(
              `UPDATE notices SET status = 'delivered', delivered_at = $3, attempts = attempts + 1
               WHERE stream_id = $1 AND pool_id = $2 AND status = 'pending' AND route = 'poll'
                 AND ${db.inList('id', '$4')} RETURNING id`,
              [streamId, poolId, at, db.listParam(jtis)],
            )
          ).length,

    replay: (poolId, streamId, which, now) =>
      replayNotices(db, { kind: 'set', poolId, streamId }, which, now),

    reject: (poolId, streamId, errors) =>
      db.transaction(async (q) => {
        let changed = 0;
        for (const e of errors) {
          changed += (
            await q(
              `UPDATE notices SET status = 'failed', last_error = $4, attempts = attempts + 1
               WHERE stream_id = $1 AND pool_id = $2 AND id = $3 AND status = 'pending' AND route = 'poll' RETURNING id`,
              [streamId, poolId, e.jti, e.error],
            )
          ).length;
        }
        return changed;
      }),

    markPolled: async (poolId, streamId, at) => {
      await db.query('UPDATE ssf_streams SET last_polled_at = $3 WHERE pool_id = $1 AND id = $2', [
        poolId,
        streamId,
        at,
      ]);
    },

    markVerificationRequested: async (poolId, streamId, at) => {
      await db.query('UPDATE ssf_streams SET last_verification_at = $3 WHERE pool_id = $1 AND id = $2', [
        poolId,
        streamId,
        at,
      ]);
    },

    stats: async (poolId, appId) => {
      const rows = await db.query(
        `SELECT n.stream_id,
           sum(CASE WHEN n.status = 'pending' AND n.route <> 'held' THEN 1 ELSE 0 END) AS pending,
           sum(CASE WHEN n.status = 'pending' AND n.route = 'held' THEN 1 ELSE 0 END) AS held,
           sum(CASE WHEN n.status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
           sum(CASE WHEN n.status = 'failed' THEN 1 ELSE 0 END) AS failed,
           min(CASE WHEN n.status = 'pending' THEN n.created_at END) AS oldest_pending_at
         FROM notices n JOIN ssf_streams st ON st.id = n.stream_id
         WHERE st.pool_id = $1 AND st.app_id = $2
         GROUP BY n.stream_id`,
        [poolId, appId],
      );
      const errors = new Map<string, string>();
      for (const r of await db.query(
        `SELECT n.stream_id, n.last_error FROM notices n JOIN ssf_streams st ON st.id = n.stream_id
         WHERE st.pool_id = $1 AND st.app_id = $2 AND n.last_error IS NOT NULL
         ORDER BY n.created_at DESC, n.id DESC`,
        [poolId, appId],
      )) {
        if (!errors.has(r.stream_id as string)) errors.set(r.stream_id as string, r.last_error as string);
      }
      return rows.map(
        (r): StreamStats => ({
          streamId: str(r.stream_id),
          pending: num(r.pending),
          held: num(r.held),
          delivered: num(r.delivered),
          failed: num(r.failed),
          lastError: errors.get(str(r.stream_id)) ?? null,
          oldestPendingAt: nnum(r.oldest_pending_at),
        }),
      );
    },

    endedSessionsOfApp: async (poolId, appId, since, now) => {
      const latest = new Map<string, number>();
      for (const r of await db.query(
        `SELECT a.session_id, CASE WHEN a.ended_at IS NOT NULL AND a.ended_at >= $3 THEN a.ended_at ELSE s.ended_at END AS at
         FROM app_sessions a JOIN sessions s ON s.id = a.session_id
         WHERE a.app_id = $1 AND a.pool_id = $2 AND (a.ended_at >= $3 OR s.ended_at >= $3)
           AND s.tokens_until > $4`,
        [appId, poolId, since, now],
      )) {
        const sessionId = str(r.session_id);
        const at = num(r.at);
        if ((latest.get(sessionId) ?? 0) < at) latest.set(sessionId, at);
      }
      return [...latest].map(([sessionId, at]) => ({ sessionId, at }));
    },

    latestTokenOfApp: async (poolId, appId) => {
      const row = (
        await db.query(
          `SELECT max(s.tokens_until) AS t FROM app_sessions a JOIN sessions s ON s.id = a.session_id
           WHERE a.app_id = $1 AND a.pool_id = $2`,
          [appId, poolId],
        )
      )[0];
      return nnum(row?.t);
    },

    purgeUnpolled: async (before) =>
      (
        await db.query(
          `UPDATE notices SET status = 'failed', last_error = 'not polled within the retention period'
           WHERE kind = 'set' AND status = 'pending' AND route IN ('poll', 'held') AND created_at < $1 RETURNING id`,
          [before],
        )
      ).length,
  };
}
