// Push delivery of Security Event Tokens (RFC 8935), a channel of the notice worker
// (src/domain/notices/notice-worker.ts): the SETs queued on push streams — in the transaction of
// the session end that caused them, like back-channel notices — are claimed, signed afresh for
// each attempt, and POSTed to the stream's endpoint.
//
// RFC 8935 §2.1: the body is the SET itself, `Content-Type: application/secevent+jwt`, with
// `Accept: application/json` and the Authorization header the receiver gave at stream creation
// (SSF 1.0 §8.1.1.2 `authorization_header`). §2.2: the receiver answers 202 Accepted (any 2xx
// is taken as delivered). §2.3: a refusal is a 400 with `{"err", "description"}` (§2.4 codes);
// a 400, 401, 403 or 404 would be refused again, so the SET fails at once with the answer in its
// last error; no connection, a time-out, 408, 429 and 5xx are retried with the back-channel
// backoff until the give-up horizon (guarded-post.ts, "Delivery Reliability" in RFC 8935).
import type { Bus } from '../../bus/bus.ts';
import type { DuePushedSet, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { createGuardedPost, type GuardedPost } from '../notices/guarded-post.ts';
import { CONCURRENCY_PER_TARGET, createNoticeWorker } from '../notices/notice-worker.ts';
import type { SetSigner } from './security-events.ts';

export interface SetPushSettings {
  /** A SET still failing this long after it was queued is marked failed, ms. */
  giveUpAfterMs: number;
  /** Allow loopback, private and link-local endpoints (SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Time allowed for one POST, ms. */
  timeoutMs?: number;
  batchSize?: number;
  leaseMs?: number;
}

export function createSetPushWorker(deps: {
  store: Store;
  signSet: SetSigner;
  bus: Bus;
  clock: Clock;
  log: Logger;
  settings: SetPushSettings;
  /** The transport; by default the guarded node:http POST. */
  post?: GuardedPost;
  random?: () => number;
}) {
  const { store, settings } = deps;
  const timeoutMs = settings.timeoutMs ?? 5000;
  const ownPost = deps.post
    ? null
    : createGuardedPost({
        timeoutMs,
        allowPrivate: settings.allowPrivate,
        maxSockets: CONCURRENCY_PER_TARGET,
        userAgent: 'Signoff Shared Signals',
      });
  const post = deps.post ?? ownPost!;

  return createNoticeWorker(
    {
      name: 'SET push',
      claimDue: (now, limit, leaseMs) => store.pushedSets.claimDue(now, limit, leaseMs),
      markMany: (marks) => store.pushedSets.markMany(marks),
      targetOf: (set: DuePushedSet) =>
        set.endpointUrl === null ? { refused: 'the stream no longer pushes' } : { url: set.endpointUrl },
      send: async (set, url, options) =>
        post(
          url,
          {
            contentType: 'application/secevent+jwt',
            body: await deps.signSet(set),
            headers: {
              accept: 'application/json',
              ...(set.authorizationHeader === null ? {} : { authorization: set.authorizationHeader }),
            },
          },
          options,
        ),
      describe: (set) => ({
        poolId: set.poolId,
        appId: set.appId,
        streamId: set.streamId,
        jti: set.id,
        eventType: set.eventType,
      }),
      // A session end that queued SETs (on any node), or SETs queued on their own.
      wakesOn: (event) =>
        (event.type === 'session.ended' && event.events > 0) || event.type === 'sets.queued',
      close: () => ownPost?.close(),
    },
    {
      bus: deps.bus,
      clock: deps.clock,
      log: deps.log,
      random: deps.random,
      settings: { ...settings, timeoutMs },
    },
  );
}

export type SetPushWorker = ReturnType<typeof createSetPushWorker>;
