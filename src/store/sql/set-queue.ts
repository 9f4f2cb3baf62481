// Queueing Security Event Tokens set-based: one outbox row per (stream, subject) in a single
// INSERT … SELECT, so that a 10,000-user kick queues its SETs inside the end's transaction as
// cheaply as its back-channel rows. Shared by the session end (src/store/sql/sessions.ts) and
// the other events (src/store/sql/ssf.ts).
import { type SetEventType, SSF_PUSH } from '../../domain/model.ts';
import type { Query, SqlDriver } from '../sql-driver.ts';

/** Where a new SET of a stream goes: held while the stream is paused, else by its method. */
export const ROUTE_OF_STREAM = `CASE WHEN st.status = 'paused' THEN 'held'
  WHEN st.method = '${SSF_PUSH}' THEN 'push' ELSE 'poll' END`;

/** The route pending SETs of a stream take after it changed (the same rule, in an UPDATE). */
export const routeFor = (stream: { status: string; method: string }) =>
  stream.status === 'paused' ? 'held' : stream.method === SSF_PUSH ? 'push' : 'poll';

/** The event type URI a stream's events_delivered lists, as a LIKE pattern on its JSON. */
export const wants = (eventType: SetEventType) => `st.events_delivered LIKE '%/event-type/${eventType}"%'`;

/**
 * `FROM`/`JOIN` clauses giving `st`, the live streams (not disabled) of apps that may receive
 * Shared Signals, for the app column `appColumn` and the pool `poolParam`.
 */
export const liveStreamsOf = (appColumn: string, poolParam: string) =>
  `JOIN ssf_streams st ON st.app_id = ${appColumn} AND st.pool_id = ${poolParam} AND st.status <> 'disabled'
   JOIN apps sp ON sp.id = st.app_id AND sp.ssf_enabled = 1 AND sp.deleted_at IS NULL`;

/** The stream's receiver has not removed the user (SSF 1.0 §8.1.3, default_subjects ALL). */
export const notExcluded = (userColumn: string) =>
  `NOT EXISTS (SELECT 1 FROM ssf_stream_exclusions x WHERE x.stream_id = st.id AND x.user_id = ${userColumn})`;

export interface SetRowsInput {
  poolId: string;
  eventType: SetEventType;
  endId: string | null;
  reason: string | null;
  detail: Record<string, unknown> | null;
  at: number;
}

/**
 * Inserts one SET row per row of `candidates`: a SELECT whose columns are stream_id, app_id,
 * session_id, user_id and route (DISTINCT as it needs), with its own parameters starting at $7.
 * Returns the app of each SET queued.
 */
export async function insertSets(
  db: SqlDriver,
  q: Query,
  input: SetRowsInput,
  candidates: string,
  params: unknown[],
): Promise<string[]> {
  const rows = await q(
    `INSERT INTO notices (id, pool_id, app_id, kind, route, stream_id, event_type, session_id, user_id, end_id,
       reason, detail, status, attempts, next_attempt_at, created_at)
     SELECT ${db.randomId}, CAST($1 AS TEXT), c.app_id, 'set', c.route, c.stream_id, CAST($2 AS TEXT), c.session_id,
       c.user_id, CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT), 'pending', 0, CAST($6 AS BIGINT),
       CAST($6 AS BIGINT)
     FROM (${candidates}) c
     RETURNING app_id`,
    [
      input.poolId,
      input.eventType,
      input.endId,
      input.reason,
      input.detail === null ? null : JSON.stringify(input.detail),
      input.at,
      ...params,
    ],
  );
  return rows.map((r) => r.app_id as string);
}

/**
 * The SETs of a session end (CAEP session-revoked), queued in its transaction on every live
 * stream of the apps it concerns. Per session when some sessions of a user end; per user (a
 * subject with the user alone, standing for all their sessions in the app) when all of them
 * end at once: a kick from an app, or every session of the users.
 *
 * `endedSessions`: the ids of the sessions ended whole (their app sessions are still live
 * rows); `endedAppSessions`: the app sessions ended in one app.
 */
export async function queueSetsOfEnd(
  db: SqlDriver,
  q: Query,
  end: {
    poolId: string;
    recordId: string;
    reason: string;
    at: number;
    perUser: boolean;
    endedSessions?: string[];
    endedAppSessions?: { appId: string; ids: string[] };
  },
): Promise<number> {
  const source = end.endedAppSessions
    ? `a.app_id = CAST($7 AS TEXT) AND ${db.inList('a.id', '$8')}`
    : `a.ended_at IS NULL AND ${db.inList('a.session_id', '$7')}`;
  const params = end.endedAppSessions
    ? [end.endedAppSessions.appId, db.listParam(end.endedAppSessions.ids)]
    : [db.listParam(end.endedSessions ?? [])];
  const session = end.perUser ? 'CAST(NULL AS TEXT)' : 'a.session_id';
  const queued = await insertSets(
    db,
    q,
    {
      poolId: end.poolId,
      eventType: 'session-revoked',
      endId: end.recordId,
      reason: end.reason,
      detail: null,
      at: end.at,
    },
    `SELECT DISTINCT st.id AS stream_id, a.app_id, ${session} AS session_id, a.user_id, ${ROUTE_OF_STREAM} AS route
     FROM app_sessions a ${liveStreamsOf('a.app_id', 'CAST($1 AS TEXT)')}
     WHERE a.pool_id = CAST($1 AS TEXT) AND ${source} AND ${wants('session-revoked')} AND ${notExcluded('a.user_id')}`,
    params,
  );
  return queued.length;
}

/** The apps of a pool with a live stream: an end that concerns none of them queues no SET. */
export async function appsWithStreams(q: Query, poolId: string): Promise<Set<string>> {
  return new Set(
    (
      await q(
        `SELECT DISTINCT st.app_id FROM ssf_streams st JOIN apps sp ON sp.id = st.app_id
         WHERE st.pool_id = $1 AND st.status <> 'disabled' AND sp.ssf_enabled = 1 AND sp.deleted_at IS NULL`,
        [poolId],
      )
    ).map((r) => r.app_id as string),
  );
}
