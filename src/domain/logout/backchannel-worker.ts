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
import type { DeliveryMark, DueDelivery, Store } from '../../store/store.ts';
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

/**
 * Rows a run claims. A run sends them, then records every outcome in one statement: fewer,
 * larger runs are much of what made the fan-out faster (bench/README.md (d)). With the
 * concurrency per server below, a run to one server that answers just inside the timeout
 * takes about 200 / 32 × 5 s ≈ 32 s, inside the lease (a minute); a notice whose turn comes
 * later than the lease allows is given back unsent (see `deliver`).
 */
export const BATCH_SIZE = 200;
/**
 * POSTs this worker has in flight to one server (URL origin) at a time: the rest of a batch to
 * it waits its turn, on the same kept-alive connections, instead of opening one each.
 */
export const CONCURRENCY_PER_TARGET = 32;

export interface BackchannelSettings {
  /** A delivery still failing this long after it was queued (or replayed) is marked failed, ms. */
  giveUpAfterMs: number;
  /** Allow loopback, private and link-local targets (SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Time allowed for one POST, ms. */
  timeoutMs?: number;
  /** Rows claimed per run. */
  batchSize?: number;
  /** POSTs in flight to one server at a time; a run's other notices to it wait their turn. */
  concurrencyPerTarget?: number;
  /** How long a claim keeps other workers off a row; well above the time a run can take. */
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

/** What an attempt came to: the mark to write, and what to announce once it is written. */
interface Decision {
  result: Outcome;
  mark: DeliveryMark;
  /** Logs and publishes the outcome; `changed`: the mark changed the row (it was still pending). */
  announce(changed: boolean): void;
}

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
  const batchSize = settings.batchSize ?? BATCH_SIZE;
  const concurrencyPerTarget = settings.concurrencyPerTarget ?? CONCURRENCY_PER_TARGET;
  const leaseMs = settings.leaseMs ?? 60_000;
  const random = deps.random ?? Math.random;
  const ownPost = deps.post
    ? null
    : createBackchannelPost({
        timeoutMs,
        allowPrivate: settings.allowPrivate,
        maxSockets: concurrencyPerTarget,
      });
  const post: BackchannelPost = deps.post ?? ownPost!;
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

  // POSTs in flight per server, and the attempts waiting for one of its slots (first come,
  // first served). Shared by every run of this worker, so that overlapping runs do not add up.
  const targets = new Map<string, { active: number; waiting: (() => void)[] }>();
  async function withSlot<T>(origin: string | null, work: () => Promise<T>): Promise<T> {
    if (origin === null) return work();
    let target = targets.get(origin);
    if (!target) {
      target = { active: 0, waiting: [] };
      targets.set(origin, target);
    }
    if (target.active < concurrencyPerTarget) target.active += 1;
    else await new Promise<void>((resolve) => target.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = target.waiting.shift();
      // The slot passes to the next in line, or is given back.
      if (next) next();
      else if (--target.active === 0) targets.delete(origin);
    }
  }

  function publish(event: BusEvent) {
    bus.publish(event).catch((error: unknown) => log.warn({ err: error }, 'event bus publish failed'));
  }

  async function send(d: DueDelivery): Promise<PostOutcome> {
    const uri = d.backchannelLogoutUri;
    if (uri === null) {
      return { ok: false, refused: true, error: 'the application no longer has a backchannelLogoutUri' };
    }
    const form = async () => ({
      logout_token: await sign({
        poolId: d.poolId,
        appId: d.appId,
        userId: d.userId,
        sessionId: d.sessionId,
      }),
    });
    try {
      const outcome = await post(uri, await form());
      if (outcome.ok || !outcome.staleConnection) return outcome;
      // A kept-alive connection that the server had closed meanwhile: nothing reached the app.
      // Sent once more on a new connection, with a new token (a fresh jti, as for any attempt).
      return await post(uri, await form(), { newConnection: true });
    } catch (error) {
      // Signing failed (no signing key, say): our fault, not the app's; counted and retried
      // like any failure. (The POST itself never throws.)
      return { ok: false, refused: false, error: `not sent: ${(error as Error).message}` };
    }
  }

  function attempt(d: DueDelivery, sendBy: number): Promise<Decision> {
    const origin = originOf(d.backchannelLogoutUri);
    return withSlot(origin, async () => {
      // Its turn came too late to be sent and recorded within the lease, or the worker is
      // stopping: given back, due now, no attempt counted (rather than sent while another
      // worker may take it too, or holding up the shutdown).
      if (stopping || clock.now() > sendBy) return giveBack(d);
      // Checked once this notice's turn has come: a POST before it may have timed out.
      const paused = origin === null ? undefined : slowTargets.get(origin);
      if (paused && paused.until > clock.now()) {
        // Held back, not sent: no attempt is counted, and the retry comes after the pause.
        const until = new Date(paused.until).toISOString();
        const error = `not sent: its server timed out lately (${paused.error}); held back until ${until}`;
        return decide(d, d.attempts, { ok: false, refused: false, error }, paused.until, false);
      }
      if (paused && origin !== null) slowTargets.delete(origin);

      const outcome = await send(d);
      if (!outcome.ok && outcome.timedOut && origin !== null) {
        slowTargets.set(origin, { until: clock.now() + SLOW_TARGET_PAUSE_MS, error: outcome.error });
      }
      return decide(d, d.attempts + 1, outcome, clock.now(), true);
    });
  }

  function giveBack(d: DueDelivery): Decision {
    return {
      result: 'retried',
      mark: {
        poolId: d.poolId,
        id: d.id,
        attempts: d.attempts,
        status: 'pending',
        nextAttemptAt: clock.now(),
        error: null,
      },
      announce() {},
    };
  }

  /** What an outcome writes to the outbox row, and how it is announced and logged. */
  function decide(
    d: DueDelivery,
    attempts: number,
    outcome: PostOutcome,
    retryFrom: number,
    attempted: boolean,
  ): Decision {
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
    const row = { poolId: d.poolId, id: d.id, attempts };
    if (outcome.ok) {
      return {
        result: 'delivered',
        mark: { ...row, status: 'delivered', at },
        announce(changed) {
          if (!changed) return;
          log.info({ ...about, status: outcome.status }, 'back-channel logout delivered');
          publish({ type: 'logout.delivered', ...about });
        },
      };
    }
    // The horizon counts from when the delivery was queued: at the end, or at its last replay.
    const horizon = (d.replayedAt ?? d.createdAt) + settings.giveUpAfterMs;
    if (outcome.refused || at >= horizon) {
      return {
        result: 'failed',
        mark: { ...row, status: 'failed', error: outcome.error },
        announce(changed) {
          if (!changed) return;
          log.warn({ ...about, error: outcome.error }, 'back-channel logout failed; given up');
          publish({ type: 'logout.failed', ...about, error: outcome.error });
        },
      };
    }
    // A 429 or 503 may say when to come back: not sooner than it asks, nor later than the
    // backoff's cap, so that one header cannot park a notice for hours.
    const asked = outcome.retryAfter === undefined ? 0 : retryAfterMs(outcome.retryAfter, at);
    const wait = Math.max(retryDelay(Math.max(attempts, 1), random), Math.min(asked, RETRY_CAP_MS));
    // The last retry falls on the horizon itself, so that the app gets its full time.
    const nextAttemptAt = Math.min(retryFrom + wait, horizon);
    return {
      result: 'retried',
      mark: { ...row, status: 'pending', nextAttemptAt, error: outcome.error },
      announce() {
        if (!attempted) return;
        log.info(
          { ...about, error: outcome.error, nextAttemptAt },
          'back-channel logout not delivered; will retry',
        );
      },
    };
  }

  /** Claims up to a batch of due rows; they are this worker's until `leaseEnds`. */
  async function claim() {
    const now = clock.now();
    return { due: await store.deliveries.claimDue(now, batchSize, leaseMs), leaseEnds: now + leaseMs };
  }

  /**
   * Sends a claimed batch (at most `concurrencyPerTarget` at a time to any one server), then
   * records every outcome in one statement and announces them.
   */
  async function deliver(batch: { due: DueDelivery[]; leaseEnds: number }): Promise<RunSummary> {
    const { due, leaseEnds } = batch;
    const summary: RunSummary = { claimed: due.length, delivered: 0, retried: 0, failed: 0 };
    if (due.length === 0) return summary;
    // The last POST to start must end, and the batch be recorded, before the lease does (with
    // a lease shorter than that, still half of it to start POSTs in).
    const sendBy = leaseEnds - Math.min(2 * timeoutMs, leaseMs / 2);
    const decisions = await Promise.all(due.map((d) => attempt(d, sendBy)));
    const changed = await store.deliveries.markMany(decisions.map((decision) => decision.mark));
    decisions.forEach((decision, i) => {
      summary[decision.result] += 1;
      decision.announce(changed[i] === true);
    });
    return summary;
  }

  /** One batch: claims the rows due now, sends them, records each outcome. */
  async function runOnce(): Promise<RunSummary> {
    return deliver(await claim());
  }

  // The background loop: woken by an end that queued deliveries (on any node, through the
  // bus), by a replay, and by a timer for retries that have come due.
  let started = false;
  let stopping = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: ReturnType<typeof setInterval> | null = null;
  let unsubscribe: (() => void) | null = null;

  async function drain() {
    // Two runs overlap: after a full batch the next is claimed, and starts sending, while the
    // first finishes and records its outcomes, so that neither the database's time nor a
    // batch's slowest POST leaves the worker idle. They share the per-server slots: a server
    // gets no more at once than from one run.
    const inFlight: Promise<RunSummary>[] = [];
    try {
      for (;;) {
        again = false;
        const batch = await claim();
        const run = deliver(batch);
        run.catch(() => {}); // awaited below, in order; not an unhandled rejection meanwhile
        inFlight.push(run);
        if (inFlight.length === 2) await inFlight.shift();
        if (!started || !(again || batch.due.length === batchSize)) break;
      }
      while (inFlight.length > 0) await inFlight.shift();
    } catch (error) {
      log.error({ err: error }, 'back-channel logout run failed');
    } finally {
      await Promise.allSettled(inFlight);
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
    /**
     * Stops the loop and waits for the POSTs in flight (each bounded by the timeout); the
     * notices of its runs still waiting for their turn are given back unsent.
     */
    async stop() {
      started = false;
      stopping = true;
      if (timer) clearInterval(timer);
      unsubscribe?.();
      try {
        await running;
      } finally {
        stopping = false;
        ownPost?.close();
      }
    },
  };
}

export type BackchannelWorker = ReturnType<typeof createBackchannelWorker>;
