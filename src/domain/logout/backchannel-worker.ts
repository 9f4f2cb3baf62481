// The back-channel logout worker: sends what the outbox holds. The session core writes one
// outbox row per (ended app session, app with a back-channel URI) in the transaction that
// ends the sessions; this worker claims due rows, signs a logout token for each (OIDC
// Back-Channel Logout 1.0 §2.4), POSTs it (§2.5), and records the outcome on the row:
// delivered; a retry with capped exponential backoff when the failure may be recoverable (§2.5:
// no connection, no answer, 408, 429, 5xx — see backchannel-post.ts); or failed — past the
// give-up horizon, when the target is refused, or at once when the app answered that retrying
// cannot help (a 400: it rejected the token, §2.8) — until an administrator replays it.
//
// Nothing is kept in memory between runs: the store is the queue, so a restart (or a crash)
// loses no pending delivery. Delivery is at least once: rows are claimed for a lease, and a
// node that dies between sending and recording leaves the row to be sent again once the lease
// runs out. Every attempt carries a fresh jti, so a repeat is not refused by an app's jti
// replay check (§2.6); an app should answer 200 to a notice about a session it already ended.
import type { Bus, BusEvent } from '../../bus/bus.ts';
import type { DueDelivery, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { KeyRing } from '../tokens/key-ring.ts';
import { type BackchannelPost, createBackchannelPost, type PostOutcome } from './backchannel-post.ts';
import { createLogoutTokenSigner } from './logout-token.ts';

/** First retry 1–2 s after a failure, then doubling, never more than 5 minutes apart. */
export const RETRY_BASE_MS = 2000;
export const RETRY_CAP_MS = 5 * 60_000;

/**
 * How long to wait after the `failedAttempts`-th failed attempt: capped exponential backoff
 * with "equal jitter" (half fixed, half random), so that the notices of a mass logout to an
 * app that was down do not all come back at the same instant.
 */
export function retryDelay(failedAttempts: number, random: () => number = Math.random): number {
  const full = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 20));
  return Math.round(full / 2 + random() * (full / 2));
}

/**
 * How long a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) asks to wait,
 * in ms from `now`; 0 when it cannot be read.
 */
export function retryAfterMs(value: string, now: number): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? 0 : Math.max(at - now, 0);
}

/**
 * After a POST to an app's server times out, other notices to the same server wait this long
 * instead of being tried: a run sends its batch concurrently and waits for the slowest, so an
 * app that hangs with a large backlog (a mass logout) would otherwise hold every run for the
 * whole timeout and keep the notices of every other app waiting behind its own.
 */
export const SLOW_TARGET_PAUSE_MS = 30_000;

export interface BackchannelSettings {
  /** A delivery still failing this long after it was queued (or replayed) is marked failed, ms. */
  giveUpAfterMs: number;
  /** Allow loopback, private and link-local targets (SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Time allowed for one POST, ms. */
  timeoutMs?: number;
  /** Rows claimed, and sent concurrently, per run. */
  batchSize?: number;
  /** How long a claim keeps other workers off a row; well above `timeoutMs`. */
  leaseMs?: number;
}

export interface BackchannelWorkerDeps {
  store: Store;
  keys: KeyRing;
  issuerOf: (poolId: string) => string;
  bus: Bus;
  clock: Clock;
  log: Logger;
  settings: BackchannelSettings;
  /** The transport; by default the guarded node:http POST of backchannel-post.ts. */
  post?: BackchannelPost;
  random?: () => number;
}

type Outcome = 'delivered' | 'retried' | 'failed';

export interface RunSummary {
  /** Rows taken from the outbox in this run. */
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
}

export function createBackchannelWorker(deps: BackchannelWorkerDeps) {
  const { store, bus, clock, log, settings } = deps;
  const timeoutMs = settings.timeoutMs ?? 5000;
  const batchSize = settings.batchSize ?? 25;
  const leaseMs = settings.leaseMs ?? 60_000;
  const random = deps.random ?? Math.random;
  const post = deps.post ?? createBackchannelPost({ timeoutMs, allowPrivate: settings.allowPrivate });
  const sign = createLogoutTokenSigner({ keys: deps.keys, clock, issuerOf: deps.issuerOf });

  // Servers (URL origins) that timed out lately: until when their notices are held back, and why.
  const slowTargets = new Map<string, { until: number; error: string }>();
  const originOf = (uri: string | null) => {
    try {
      return uri === null ? null : new URL(uri).origin;
    } catch {
      return null;
    }
  };

  function publish(event: BusEvent) {
    bus.publish(event).catch((error: unknown) => log.warn({ err: error }, 'event bus publish failed'));
  }

  async function send(d: DueDelivery): Promise<PostOutcome> {
    if (d.backchannelLogoutUri === null) {
      return { ok: false, refused: true, error: 'the application no longer has a backchannelLogoutUri' };
    }
    let token: string;
    try {
      token = await sign({ poolId: d.poolId, appId: d.appId, userId: d.userId, sessionId: d.sessionId });
    } catch (error) {
      // Our fault (no signing key, say), not the app's: counted and retried like any failure.
      return { ok: false, refused: false, error: `not sent: ${(error as Error).message}` };
    }
    return post(d.backchannelLogoutUri, { logout_token: token });
  }

  async function attempt(d: DueDelivery): Promise<Outcome> {
    const origin = originOf(d.backchannelLogoutUri);
    const paused = origin === null ? undefined : slowTargets.get(origin);
    if (paused && paused.until > clock.now()) {
      // Held back, not sent: no attempt is counted, and the retry comes after the pause.
      const until = new Date(paused.until).toISOString();
      const error = `not sent: its server timed out lately (${paused.error}); held back until ${until}`;
      return record(d, d.attempts, { ok: false, refused: false, error }, paused.until, false);
    }
    if (paused && origin !== null) slowTargets.delete(origin);

    const outcome = await send(d);
    if (!outcome.ok && outcome.timedOut && origin !== null) {
      slowTargets.set(origin, { until: clock.now() + SLOW_TARGET_PAUSE_MS, error: outcome.error });
    }
    return record(d, d.attempts + 1, outcome, clock.now(), true);
  }

  /** Writes an outcome to the outbox row, then announces and logs it. */
  async function record(
    d: DueDelivery,
    attempts: number,
    outcome: PostOutcome,
    retryFrom: number,
    attempted: boolean,
  ): Promise<Outcome> {
    const at = clock.now();
    const about = {
      poolId: d.poolId,
      appId: d.appId,
      deliveryId: d.id,
      sid: d.sessionId,
      userId: d.userId,
      attempts,
      at,
    };
    if (outcome.ok) {
      if (await store.deliveries.markDelivered(d.poolId, d.id, attempts, at)) {
        log.info({ ...about, status: outcome.status }, 'back-channel logout delivered');
        publish({ type: 'logout.delivered', ...about });
      }
      return 'delivered';
    }
    // The horizon counts from when the delivery was queued: at the end, or at its last replay.
    const horizon = (d.replayedAt ?? d.createdAt) + settings.giveUpAfterMs;
    if (outcome.refused || at >= horizon) {
      if (await store.deliveries.markFailed(d.poolId, d.id, attempts, outcome.error)) {
        log.warn({ ...about, error: outcome.error }, 'back-channel logout failed; given up');
        publish({ type: 'logout.failed', ...about, error: outcome.error });
      }
      return 'failed';
    }
    // A 429 or 503 may say when to come back: not sooner than it asks, nor later than the
    // backoff's cap, so that one header cannot park a notice for hours.
    const asked = outcome.retryAfter === undefined ? 0 : retryAfterMs(outcome.retryAfter, at);
    const wait = Math.max(retryDelay(Math.max(attempts, 1), random), Math.min(asked, RETRY_CAP_MS));
    // The last retry falls on the horizon itself, so that the app gets its full time.
    const nextAttemptAt = Math.min(retryFrom + wait, horizon);
    await store.deliveries.markRetry(d.poolId, d.id, attempts, nextAttemptAt, outcome.error);
    if (attempted) {
      log.info(
        { ...about, error: outcome.error, nextAttemptAt },
        'back-channel logout not delivered; will retry',
      );
    }
    return 'retried';
  }

  /** One batch: claims the rows due now, sends them concurrently, records each outcome. */
  async function runOnce(): Promise<RunSummary> {
    const due = await store.deliveries.claimDue(clock.now(), batchSize, leaseMs);
    const summary: RunSummary = { claimed: due.length, delivered: 0, retried: 0, failed: 0 };
    for (const result of await Promise.all(due.map(attempt))) summary[result] += 1;
    return summary;
  }

  // The background loop: woken by an end that queued deliveries (on any node, through the
  // bus), by a replay, and by a timer for retries that have come due.
  let started = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: ReturnType<typeof setInterval> | null = null;
  let unsubscribe: (() => void) | null = null;

  async function drain() {
    try {
      let summary: RunSummary;
      do {
        again = false;
        summary = await runOnce();
      } while (started && (again || summary.claimed === batchSize));
    } catch (error) {
      log.error({ err: error }, 'back-channel logout run failed');
    }
  }

  function wake() {
    if (!started) return;
    if (running) {
      again = true;
      return;
    }
    running = drain().finally(() => {
      running = null;
      if (again) wake();
    });
  }

  return {
    runOnce,
    wake,
    start(pollMs: number) {
      if (started) return;
      started = true;
      unsubscribe = bus.subscribe((event) => {
        if (event.type === 'session.ended' && event.deliveries > 0) wake();
      });
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    /** Stops the loop and waits for a run in progress (each POST is bounded by the timeout). */
    async stop() {
      started = false;
      if (timer) clearInterval(timer);
      unsubscribe?.();
      await running;
    },
  };
}

export type BackchannelWorker = ReturnType<typeof createBackchannelWorker>;
