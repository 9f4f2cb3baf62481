// "Log out everyone" of an app or of a whole pool. A job, not a request: it pages through the
// live sessions and ends them a batch at a time, each batch one session-core transaction (so
// each is audited, revoked everywhere and notified to every app involved), recording progress
// as it goes.
//
// A running job is leased to the node running it, and the lease is renewed with each batch's
// progress (issue 10 part 2). A node killed mid-job stops renewing; every node checks now and
// then for jobs whose lease ran out and takes them over, so a job never stays `running` because
// its node died and never came back. Ending is idempotent, so the taker simply starts again
// from the live sessions: none is ended twice. A node that stalls past its lease (a long store
// outage) finds at its next write that the job is another's, and stops.

import type { EndSelector, Store } from '../../store/store.ts';
import { StoreUnavailableError } from '../../store/unavailable.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { Actor, BulkLogout } from '../model.ts';
import { createOutageLog } from '../outage-log.ts';
import type { SessionCore } from '../sessions/session-core.ts';

/** How long a job stays a node's without a batch renewing it; other nodes wait that long. */
export const BULK_LEASE_MS = 30_000;
/** How long a job waits before trying its next step again while the store is unreachable. */
const STORE_RETRY_MS = 1000;

export interface BulkLogoutDeps {
  store: Store;
  core: SessionCore;
  clock: Clock;
  log: Logger;
  /** Sessions per transaction. */
  batchSize?: number;
  /** This node's name on the jobs it leases; a fresh one per process by default. */
  owner?: string;
  leaseMs?: number;
  /** Waits between tries while the store is unreachable (tests shorten it). */
  storeRetryMs?: number;
}

/** The job was taken over by another node while this one was running it. */
class LeaseLost extends Error {}

export function createBulkLogoutService(deps: BulkLogoutDeps) {
  const { store, core, clock, log } = deps;
  const batchSize = deps.batchSize ?? 1000;
  const owner = deps.owner ?? newId();
  const leaseMs = deps.leaseMs ?? BULK_LEASE_MS;
  const storeRetryMs = deps.storeRetryMs ?? STORE_RETRY_MS;
  const outage = createOutageLog(log, 'bulk logout');
  const running = new Map<string, Promise<void>>();
  let stopping = false;

  const lease = () => ({ owner, until: clock.now() + leaseMs });

  /**
   * One step of a job, tried again while the store is unreachable (one log line per outage)
   * instead of failing a job that only needs the database back.
   */
  async function step<T>(work: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await work();
        outage.succeeded();
        return result;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || stopping) throw error;
        outage.failed(error, 'bulk logout failed');
        await new Promise((r) => setTimeout(r, storeRetryMs));
      }
    }
  }

  async function run(job: BulkLogout): Promise<void> {
    // Sessions signed in after the job started, below the cursor, are not the job's to end.
    let after = '';
    try {
      for (;;) {
        const sessionIds = await step(() =>
          store.sessions.listLiveIds(job.poolId, job.appId, batchSize, after),
        );
        if (sessionIds.length === 0) break;
        after = sessionIds[sessionIds.length - 1]!;
        const selector: EndSelector =
          job.appId === null
            ? { scope: 'sessions', poolId: job.poolId, sessionIds }
            : { scope: 'app-sessions', poolId: job.poolId, appId: job.appId, sessionIds };
        // The batch, its progress and the lease's renewal commit together (or not at all).
        const { result: held } = await step(() =>
          core.endSessionsWith(selector, job.reason, job.actor, async (meta) => {
            const batch = await store.bulkLogouts.endBatch(job.id, lease(), selector, meta);
            return { end: batch.end, result: batch.held };
          }),
        );
        if (!held) throw new LeaseLost();
      }
      await step(() => store.bulkLogouts.finish(job.id, owner, 'done', null, clock.now()));
    } catch (error) {
      if (error instanceof LeaseLost) {
        log.info({ job: job.id }, 'bulk logout taken over by another node');
        return;
      }
      if (error instanceof StoreUnavailableError) {
        // Stopping while the store is away: the lease runs out and a node takes the job over.
        return;
      }
      log.error({ err: error, job: job.id }, 'bulk logout failed');
      await store.bulkLogouts
        .finish(job.id, owner, 'failed', String((error as Error).message ?? error), clock.now())
        .catch((finishError: unknown) =>
          log.error({ err: finishError, job: job.id }, 'recording a failed bulk logout failed'),
        );
    }
  }

  function launch(job: BulkLogout) {
    const work = run(job).finally(() => running.delete(job.id));
    running.set(job.id, work);
    return work;
  }

  return {
    owner,
    /** Starts a job; the returned record is its state at the start (poll `get` for progress). */
    async start(poolId: string, appId: string | null, actor: Actor): Promise<BulkLogout> {
      const now = clock.now();
      const job: BulkLogout = {
        id: newId(),
        poolId,
        appId,
        status: 'running',
        reason: 'admin_kick',
        actor,
        total: await store.sessions.countLive(poolId, appId),
        ended: 0,
        batches: 0,
        error: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      };
      await store.bulkLogouts.create(job, lease());
      void launch(job);
      return job;
    },

    get: (poolId: string, id: string) => store.bulkLogouts.get(poolId, id),
    list: (poolId: string, limit = 20) => store.bulkLogouts.list(poolId, limit),

    /**
     * Takes over the running jobs whose lease ran out (their node stopped, or died) and runs
     * them here; at start and then periodically. Returns how many it took.
     */
    async resume(): Promise<number> {
      if (stopping) return 0;
      const jobs = (await store.bulkLogouts.takeOver(clock.now(), lease())).filter((j) => !running.has(j.id));
      for (const job of jobs) {
        log.info({ job: job.id, ended: job.ended }, 'bulk logout taken over');
        void launch(job);
      }
      return jobs.length;
    },

    /** Waits for the jobs this process runs (tests, shutdown). */
    async settle(): Promise<void> {
      await Promise.all([...running.values()]);
    },

    /** Lets running jobs finish, but no retry waits on the store any longer and nothing new is taken. */
    async stop(): Promise<void> {
      stopping = true;
      await Promise.all([...running.values()]);
    },
  };
}

export type BulkLogoutService = ReturnType<typeof createBulkLogoutService>;
