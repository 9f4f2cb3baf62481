// "Log out everyone" of an app or of a whole pool. A job, not a request: it pages through the
// live sessions and ends them a batch at a time, each batch one session-core transaction (so
// each is audited, revoked everywhere and notified to every app involved), recording progress
// as it goes. A job left running by a stopped node is resumed at start: ending is idempotent.
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Actor, BulkLogout } from '../model.ts';
import type { SessionCore } from '../sessions/session-core.ts';

export interface BulkLogoutDeps {
  store: Store;
  core: SessionCore;
  clock: Clock;
  onError: (error: unknown, job: BulkLogout) => void;
  /** Sessions per transaction. */
  batchSize?: number;
}

export function createBulkLogoutService(deps: BulkLogoutDeps) {
  const { store, core, clock } = deps;
  const batchSize = deps.batchSize ?? 1000;
  const running = new Map<string, Promise<void>>();

  async function run(job: BulkLogout): Promise<void> {
    let { ended, batches } = job;
    // Sessions signed in after the job started, below the cursor, are not the job's to end.
    let after = '';
    try {
      for (;;) {
        const sessionIds = await store.sessions.listLiveIds(job.poolId, job.appId, batchSize, after);
        if (sessionIds.length === 0) break;
        after = sessionIds[sessionIds.length - 1]!;
        const summary = await core.endSessions(
          job.appId === null
            ? { scope: 'sessions', poolId: job.poolId, sessionIds }
            : { scope: 'app-sessions', poolId: job.poolId, appId: job.appId, sessionIds },
          job.reason,
          job.actor,
        );
        ended += summary.sessions;
        batches += 1;
        await store.bulkLogouts.progress(job.id, ended, batches, clock.now());
      }
      await store.bulkLogouts.finish(job.id, 'done', null, clock.now());
    } catch (error) {
      deps.onError(error, job);
      await store.bulkLogouts.finish(
        job.id,
        'failed',
        String((error as Error).message ?? error),
        clock.now(),
      );
    }
  }

  function launch(job: BulkLogout) {
    const work = run(job).finally(() => running.delete(job.id));
    running.set(job.id, work);
    return work;
  }

  return {
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
      await store.bulkLogouts.create(job);
      void launch(job);
      return job;
    },

    get: (poolId: string, id: string) => store.bulkLogouts.get(poolId, id),
    list: (poolId: string, limit = 20) => store.bulkLogouts.list(poolId, limit),

    /** Resumes jobs a stopped node left running. */
    async resume(): Promise<number> {
      const jobs = (await store.bulkLogouts.listRunning()).filter((j) => !running.has(j.id));
      for (const job of jobs) void launch(job);
      return jobs.length;
    },

    /** Waits for the jobs this process runs (tests, shutdown). */
    async settle(): Promise<void> {
      await Promise.all([...running.values()]);
    },
  };
}

export type BulkLogoutService = ReturnType<typeof createBulkLogoutService>;
