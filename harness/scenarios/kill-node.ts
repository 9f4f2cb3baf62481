// A node killed with kill -9 during a bulk "log out everyone" job, and another during the
// back-channel delivery that job causes. The job must finish, and every notice must reach the
// app at least once, none lost. The killed nodes stay dead while this is checked, so that the
// surviving node has to take the work over; only if it does not within the wait are they
// restarted (what a supervisor would do), and the table says which happened.
import { inParallel, me, Recorder, signInMany } from '../api.ts';
import { type NodeProcess, sleep, sparePort } from '../cluster.ts';
import { type Harness, result, type ScenarioResult } from '../context.ts';
import { startReceiver } from '../receiver.ts';

/** How long the surviving node gets to take a job, and notices, over (a lease may be a minute). */
const TAKEOVER_MS = 100_000;

interface Job {
  status: string;
  total: number;
  ended: number;
  batches: number;
}

export async function bulkKillScenario(h: Harness, log: (l: string) => void): Promise<ScenarioResult> {
  const recorder = new Recorder();
  const receiver = await startReceiver(await sparePort());
  const failures: string[] = [];
  try {
    const app = await h.admin.createApp('bulk', receiver.url);
    const accounts = await h.admin.createUsers('bulk', 50);
    const n = h.options.bulkSessions;
    log(`  signing in ${n} sessions…`);
    const sessions = await signInMany(recorder, h.urls(), app.id, accounts, n);
    const expected = new Set(sessions.map((s) => s.sid));
    // Slow answers keep notices in flight, so that the second kill cuts deliveries off.
    receiver.delayMs = 200;

    const [a, b, c] = h.nodes as [NodeProcess, NodeProcess, NodeProcess];
    const headers = await h.admin.auth();
    const start = await fetch(`${a.url}/api/v2/applications/${app.id}/logout-all`, {
      method: 'POST',
      headers,
    });
    if (start.status !== 200) throw new Error(`logout-all: ${start.status} ${await start.text()}`);
    const job = ((await start.json()) as { data: Job & { id: string } }).data;
    await a.kill9();
    const jobStarted = performance.now();
    const getJob = async (via: NodeProcess) =>
      (
        (await (await fetch(`${via.url}/api/v2/bulk-logouts/${job.id}`, { headers })).json()) as {
          data: Job;
        }
      ).data;
    const atKill = await getJob(b);
    log(
      `  job started on node ${a.index}, killed it at ${atKill.ended}/${atKill.total} ended (${atKill.status})`,
    );

    // The second kill, beside the wait for the job: once deliveries are flowing.
    let receivedAtKill = -1;
    const secondKill = (async () => {
      const until = performance.now() + 2 * TAKEOVER_MS;
      while (receiver.received.length < 100 && performance.now() < until) await sleep(20);
      receivedAtKill = receiver.received.length;
      await b.kill9();
      log(`  killed node ${b.index} during delivery (${receivedAtKill} notices received so far)`);
    })();

    let finished: Job = atKill;
    let jobBy = `node ${c.index} took it over`;
    let jobMs: number | null = null;
    const waitJob = async (until: number) => {
      while (performance.now() < until) {
        finished = await getJob(c);
        if (finished.status !== 'running') {
          jobMs = performance.now() - jobStarted;
          return true;
        }
        await sleep(500);
      }
      return false;
    };
    if (!(await waitJob(jobStarted + TAKEOVER_MS))) {
      jobBy = `not taken over within ${TAKEOVER_MS / 1000} s; finished after node ${a.index} was restarted`;
      failures.push(
        `job still ${finished.status} at ${finished.ended}/${finished.total} ${TAKEOVER_MS / 1000} s after its node was killed (finished only once that node restarted)`,
      );
      log(`  job not taken over; restarting node ${a.index}`);
      await a.start();
      if (!(await waitJob(performance.now() + 60_000))) jobBy = 'not finished even after a restart';
    }
    await secondKill;
    if (finished.status !== 'done') failures.push(`job ${finished.status}`);

    const missing = () => [...expected].filter((sid) => !receiver.sids().has(sid)).length;
    const deliveredBy = performance.now() + TAKEOVER_MS;
    while (missing() > 0 && performance.now() < deliveredBy) await sleep(500);
    const dead = [a, b].filter((x) => !x.alive).map((x) => x.index);
    let deliveryNote = `every notice received with node${dead.length > 1 ? 's' : ''} ${dead.join(' and ')} dead`;
    if (missing() > 0) {
      failures.push(
        `${missing()} notices not received ${TAKEOVER_MS / 1000} s after the job ended with node ${b.index} dead`,
      );
      await Promise.all([a, b].filter((x) => !x.alive).map((x) => x.start()));
      const late = performance.now() + 60_000;
      while (missing() > 0 && performance.now() < late) await sleep(500);
      deliveryNote = `${missing() === 0 ? 'received only' : 'still not all received'} after the killed nodes were restarted`;
    }
    // The job's sessions must be logged out too, not only notified: every token, on a live node.
    const live = h.nodes.filter((x) => x.alive).map((x) => x.url);
    const accepted = (
      await inParallel(
        sessions,
        32,
        async (s, i) => (await me(recorder, live[i % live.length]!, s.token)).status,
      )
    ).filter((st) => st !== 401).length;
    if (accepted > 0) failures.push(`${accepted} tokens of the job's sessions still accepted`);
    const lost = missing() + accepted;
    const pending = await h.admin.deliveries(app.id, 'pending');
    const failed = await h.admin.deliveries(app.id, 'failed');
    if (missing() > 0) failures.push(`${missing()} notices never received`);
    if (failed > 0) failures.push(`${failed} deliveries failed`);
    const repeats = receiver.received.length - receiver.sids().size;
    const fiveXX = recorder.fiveXX().length;
    if (fiveXX > 0) failures.push(`${fiveXX} 5xx`);
    return result(
      'kill-node',
      {
        count: `${n} sessions, ${expected.size} notices`,
        p50: null,
        p99: null,
        fiveXX,
        lost,
        notes:
          `bulk logout of the app started on node ${a.index}, kill -9 at ${atKill.ended}/${atKill.total} ended; job ${finished.status} ${finished.ended}/${finished.total} in ${finished.batches} batches after ${jobMs === null ? '—' : `${(Number(jobMs) / 1000).toFixed(1)} s`} (${jobBy}); ` +
          `node ${b.index} kill -9 with ${receivedAtKill}/${expected.size} notices received (receiver answering in ${receiver.delayMs} ms); ${deliveryNote}; ` +
          `${receiver.received.length} received for ${receiver.sids().size} sessions (${repeats} repeats: at least once); deliveries pending ${pending}, failed ${failed}; every one of the ${n} tokens then refused: ${accepted === 0 ? 'yes' : `no (${accepted} accepted)`}`,
      },
      failures,
    );
  } finally {
    await receiver.close();
  }
}
