// The outbox sender: one engine for every notice Signoff POSTs to an app's server — back-channel
// logout tokens (src/domain/logout/backchannel-worker.ts) and pushed Security Event Tokens
// (src/domain/ssf/set-push-worker.ts). A channel says what it claims, where each notice goes and
// how one is sent; the engine owns what they share: leases, per-server concurrency, the slow-
// server hold-back, capped exponential backoff with Retry-After (retry-policy.ts), the give-up
// horizon, one write per run, and the background loop.
//
// Nothing is kept in memory between runs: the store is the queue, so a restart (or a crash)
// loses no pending notice. Delivery is at least once: rows are claimed for a lease, and a node
// that dies between sending and recording leaves the row to be sent again once the lease runs
// out.
import type { Bus, BusEvent } from '../../bus/bus.ts';
import type { DeliveryMark } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { createOutageLog } from '../outage-log.ts';
import type { PostOutcome } from './guarded-post.ts';
import { RETRY_CAP_MS, retryAfterMs, retryDelay } from './retry-policy.ts';

export { RETRY_BASE_MS, RETRY_CAP_MS, retryAfterMs, retryDelay } from './retry-policy.ts';

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

/** What every outbox row a channel claims carries. */
export interface DueNotice {
  id: string;
  poolId: string;
  attempts: number;
  createdAt: number;
  replayedAt: number | null;
}

/** What the engine adds to a channel's `describe` in log lines and events. */
export interface Attempted {
  /** Attempts made, counted since the notice was queued (or last replayed). */
  attempts: number;
  at: number;
}

export interface NoticeChannel<D extends DueNotice, A extends object = Record<string, unknown>> {
  /** Names the notices in log lines: `${name} delivered`, `${name} failed; given up`, … */
  name: string;
  claimDue(now: number, limit: number, leaseMs: number): Promise<D[]>;
  /** Writes a run's outcomes; for each, whether it changed the row (it was still pending). */
  markMany(marks: readonly DeliveryMark[]): Promise<boolean[]>;
  /** Where the notice goes now, or a reason it has nowhere to go (final: the row fails). */
  targetOf(notice: D): { url: string } | { refused: string };
  /** Signs the notice afresh and POSTs it once. May throw only for a failure before sending. */
  send(notice: D, url: string, options: { newConnection?: boolean }): Promise<PostOutcome>;
  /** The fields that identify a notice in log lines and events. */
  describe(notice: D): A;
  /** Published once an outcome is written (and changed the row), for other nodes to see. */
  announce?: {
    delivered?(about: A & Attempted): BusEvent;
    failed?(about: A & Attempted, error: string): BusEvent;
  };
  /** Bus events that mean notices of this channel were queued (woken at once, on every node). */
  wakesOn(event: BusEvent): boolean;
  /** Closes what the transport keeps open (idle kept-alive connections). */
  close?(): void;
}

export interface NoticeWorkerSettings {
  /** A notice still failing this long after it was queued (or replayed) is marked failed, ms. */
  giveUpAfterMs: number;
  /** Time allowed for one POST, ms (the channel's transport is built with the same). */
  timeoutMs: number;
  /** Rows claimed per run. */
  batchSize?: number;
  /** POSTs in flight to one server at a time; a run's other notices to it wait their turn. */
  concurrencyPerTarget?: number;
  /** How long a claim keeps other workers off a row; well above the time a run can take. */
  leaseMs?: number;
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

export function createNoticeWorker<D extends DueNotice, A extends object>(
  channel: NoticeChannel<D, A>,
  deps: { bus: Bus; clock: Clock; log: Logger; settings: NoticeWorkerSettings; random?: () => number },
) {
  const { bus, clock, log, settings } = deps;
  const { timeoutMs } = settings;
  const batchSize = settings.batchSize ?? BATCH_SIZE;
  const concurrencyPerTarget = settings.concurrencyPerTarget ?? CONCURRENCY_PER_TARGET;
  const leaseMs = settings.leaseMs ?? 60_000;
  const random = deps.random ?? Math.random;
  const { name } = channel;
  // Woken every second: an outage of the store is one line, not one a second.
  const outage = createOutageLog(log, `${name} run`);

  // Servers (URL origins) that timed out lately: until when their notices are held back, and why.
  const slowTargets = new Map<string, { until: number; error: string }>();
  const originOf = (url: string) => {
    try {
      return new URL(url).origin;
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

  async function send(notice: D, url: string): Promise<PostOutcome> {
    try {
      const outcome = await channel.send(notice, url, {});
      if (outcome.ok || !outcome.staleConnection) return outcome;
      // A kept-alive connection that the server had closed meanwhile: nothing reached the app.
      // Sent once more on a new connection, signed afresh (a new jti, as for any attempt).
      return await channel.send(notice, url, { newConnection: true });
    } catch (error) {
      // Signing failed (no signing key, say): our fault, not the app's; counted and retried
      // like any failure. (The POST itself never throws.)
      return { ok: false, refused: false, error: `not sent: ${(error as Error).message}` };
    }
  }

  function attempt(notice: D, sendBy: number): Promise<Decision> {
    const target = channel.targetOf(notice);
    if ('refused' in target) {
      const outcome: PostOutcome = { ok: false, refused: true, error: target.refused };
      return Promise.resolve(decide(notice, notice.attempts + 1, outcome, clock.now(), true));
    }
    const origin = originOf(target.url);
    return withSlot(origin, async () => {
      // Its turn came too late to be sent and recorded within the lease, or the worker is
      // stopping: given back, due now, no attempt counted (rather than sent while another
      // worker may take it too, or holding up the shutdown).
      if (stopping || clock.now() > sendBy) return giveBack(notice);
      // Checked once this notice's turn has come: a POST before it may have timed out.
      const paused = origin === null ? undefined : slowTargets.get(origin);
      if (paused && paused.until > clock.now()) {
        // Held back, not sent: no attempt is counted, and the retry comes after the pause.
        const until = new Date(paused.until).toISOString();
        const error = `not sent: its server timed out lately (${paused.error}); held back until ${until}`;
        return decide(notice, notice.attempts, { ok: false, refused: false, error }, paused.until, false);
      }
      if (paused && origin !== null) slowTargets.delete(origin);

      const outcome = await send(notice, target.url);
      if (!outcome.ok && outcome.timedOut && origin !== null) {
        slowTargets.set(origin, { until: clock.now() + SLOW_TARGET_PAUSE_MS, error: outcome.error });
      }
      return decide(notice, notice.attempts + 1, outcome, clock.now(), true);
    });
  }

  function giveBack(notice: D): Decision {
    return {
      result: 'retried',
      mark: {
        poolId: notice.poolId,
        id: notice.id,
        attempts: notice.attempts,
        status: 'pending',
        nextAttemptAt: clock.now(),
        error: null,
      },
      announce() {},
    };
  }

  /** What an outcome writes to the outbox row, and how it is announced and logged. */
  function decide(
    notice: D,
    attempts: number,
    outcome: PostOutcome,
    retryFrom: number,
    attempted: boolean,
  ): Decision {
    const at = clock.now();
    const about: A & Attempted = { ...channel.describe(notice), attempts, at };
    const row = { poolId: notice.poolId, id: notice.id, attempts };
    if (outcome.ok) {
      return {
        result: 'delivered',
        mark: { ...row, status: 'delivered', at },
        announce(changed) {
          if (!changed) return;
          log.info({ ...about, status: outcome.status }, `${name} delivered`);
          const event = channel.announce?.delivered?.(about);
          if (event) publish(event);
        },
      };
    }
    // The horizon counts from when the notice was queued: at the end, or at its last replay.
    const horizon = (notice.replayedAt ?? notice.createdAt) + settings.giveUpAfterMs;
    if (outcome.refused || at >= horizon) {
      return {
        result: 'failed',
        mark: { ...row, status: 'failed', error: outcome.error },
        announce(changed) {
          if (!changed) return;
          log.warn({ ...about, error: outcome.error }, `${name} failed; given up`);
          const event = channel.announce?.failed?.(about, outcome.error);
          if (event) publish(event);
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
        log.info({ ...about, error: outcome.error, nextAttemptAt }, `${name} not delivered; will retry`);
      },
    };
  }

  /** Claims up to a batch of due rows; they are this worker's until `leaseEnds`. */
  async function claim() {
    const now = clock.now();
    return { due: await channel.claimDue(now, batchSize, leaseMs), leaseEnds: now + leaseMs };
  }

  /**
   * Sends a claimed batch (at most `concurrencyPerTarget` at a time to any one server), then
   * records every outcome in one statement and announces them.
   */
  async function deliver(batch: { due: D[]; leaseEnds: number }): Promise<RunSummary> {
    const { due, leaseEnds } = batch;
    const summary: RunSummary = { claimed: due.length, delivered: 0, retried: 0, failed: 0 };
    if (due.length === 0) return summary;
    // The last POST to start must end, and the batch be recorded, before the lease does (with
    // a lease shorter than that, still half of it to start POSTs in).
    const sendBy = leaseEnds - Math.min(2 * timeoutMs, leaseMs / 2);
    const decisions = await Promise.all(due.map((notice) => attempt(notice, sendBy)));
    const changed = await channel.markMany(decisions.map((decision) => decision.mark));
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

  // The background loop: woken by the bus when notices are queued (on any node), by a replay,
  // and by a timer for retries that have come due.
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
      outage.succeeded();
    } catch (error) {
      outage.failed(error, `${name} run failed`);
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
        if (channel.wakesOn(event)) wake();
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
        channel.close?.();
      }
    },
  };
}

export type NoticeWorker = ReturnType<typeof createNoticeWorker>;
