// Poll-based SET delivery, the transmitter's side (RFC 8936 §2): a receiver's POST acknowledges
// what it has (ack), reports what it could not take (setErrs), and gets what is waiting, up to
// maxEvents. With returnImmediately false (the default, §2.2) it is a long poll: the answer
// waits until a SET is there — woken by the bus when an end or another event queues one on
// the app's streams, on this node or another — or until the long poll's time is up. Unacked
// SETs are offered again; acknowledged ones never.
import type { Bus } from '../../bus/bus.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { SetSigner } from './security-events.ts';
import type { Receiver, Result } from './streams.ts';

/** How long a long poll may wait with nothing to say. */
export const LONG_POLL_MS = 25_000;
/** Between looks at the store while waiting: a wake-up the bus missed costs at most this. */
const RECHECK_MS = 1000;
const DEFAULT_MAX_EVENTS = 100;
export const MAX_EVENTS = 1000;

export interface PollRequest {
  maxEvents?: number;
  returnImmediately?: boolean;
  ack?: string[];
  setErrs?: Record<string, { err: string; description?: string }>;
}

export interface PollResponse {
  sets: Record<string, string>;
  moreAvailable: boolean;
}

export function createSetPoller(deps: {
  store: Store;
  clock: Clock;
  bus: Bus;
  signSet: SetSigner;
  longPollMs?: number;
}) {
  const { store, clock, signSet } = deps;
  const waiting = new Map<string, Set<() => void>>();

  function wake(appId: string) {
    const waiters = waiting.get(appId);
    if (!waiters) return;
    waiting.delete(appId);
    for (const resume of waiters) resume();
  }

  const unsubscribe = deps.bus.subscribe((event) => {
    if (event.type === 'sets.queued' || (event.type === 'session.ended' && event.events > 0)) {
      for (const appId of event.apps) wake(appId);
    }
  });

  /** Resolves when the app's streams may have news, or after `ms`, or when `signal` aborts. */
  function until(appId: string, ms: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
      const waiters = waiting.get(appId) ?? new Set<() => void>();
      waiting.set(appId, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  return {
    wake,

    async poll(
      receiver: Receiver,
      streamId: string,
      request: PollRequest,
      signal?: AbortSignal,
    ): Promise<Result<PollResponse>> {
      const stream = await store.ssf.getStream(receiver.poolId, receiver.appId, streamId);
      if (!stream) {
        return {
          ok: false,
          status: 404,
          err: 'not_found',
          description: 'There is no stream with this id for this receiver.',
        };
      }
      if (stream.delivery !== 'poll') {
        return {
          ok: false,
          status: 400,
          err: 'invalid_request',
          description: 'This stream is delivered by push, not polled.',
        };
      }
      const now = clock.now();
      await store.ssf.acknowledge(receiver.poolId, stream.id, request.ack ?? [], now);
      const errors = Object.entries(request.setErrs ?? {}).map(([jti, e]) => ({
        jti,
        error: `${e.err}${e.description ? `: ${e.description}` : ''}`.slice(0, 500),
      }));
      if (errors.length > 0) await store.ssf.reject(receiver.poolId, stream.id, errors);
      await store.ssf.markPolled(receiver.poolId, stream.id, now);

      const max = Math.min(request.maxEvents ?? DEFAULT_MAX_EVENTS, MAX_EVENTS);
      const deadline =
        Date.now() + (request.returnImmediately === true ? 0 : (deps.longPollMs ?? LONG_POLL_MS));
      for (;;) {
        const rows = await store.ssf.pollable(receiver.poolId, stream.id, Math.max(max, 1) + 1);
        const left = deadline - Date.now();
        if (max === 0) return { ok: true, value: { sets: {}, moreAvailable: rows.length > 0 } };
        if (rows.length > 0 || left <= 0 || signal?.aborted) {
          // Signed together: each RSA signature runs on the thread pool (signRS256).
          const batch = rows.slice(0, max);
          const tokens = await Promise.all(batch.map(signSet));
          const sets = Object.fromEntries(batch.map((row, i) => [row.id, tokens[i]!]));
          return { ok: true, value: { sets, moreAvailable: rows.length > max } };
        }
        await until(receiver.appId, Math.min(left, RECHECK_MS), signal);
      }
    },

    stop: unsubscribe,
  };
}

export type SetPoller = ReturnType<typeof createSetPoller>;
