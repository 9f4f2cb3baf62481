// Load: N logouts at once, spread over the three nodes, while other users sign in and call
// /api/v2/users/me. Every logout answered 200 must be refused by every node; the time from the
// 200 until the last node refuses is what the p50/p99 measure (each node is asked right away,
// then every 10 ms, so the figure includes one ask's round trip); one audit record per logout;
// no 5xx anywhere.
import {
  bucketPercentile,
  logout,
  me,
  percentile,
  propagationBuckets,
  propagationCounts,
  Recorder,
  type Session,
  signIn,
  signInMany,
  untilRefusedEverywhere,
} from '../api.ts';
import { sleep } from '../cluster.ts';
import { type Harness, ms, result, type ScenarioResult } from '../context.ts';

/** Other users signing in and reading their profile on random nodes until stopped. */
export function backgroundTraffic(
  recorder: Recorder,
  urls: () => string[],
  appId: string,
  accounts: string[],
) {
  let stop = false;
  let requests = 0;
  /** A fresh token refused: a revocation that hit the wrong session. */
  let wronglyRefused = 0;
  /** Each /me's time: the floor under any refusal time measured meanwhile (a node's queue). */
  const meMs: number[] = [];
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
  const loop = async (w: number) => {
    let i = 0;
    while (!stop) {
      const account = accounts[(w + i++ * 7) % accounts.length]!;
      const signedIn = await signIn(recorder, pick(urls()), appId, account);
      requests++;
      if (signedIn.status !== 200) {
        await sleep(50);
        continue;
      }
      for (let k = 0; k < 4 && !stop; k++) {
        const a = await me(recorder, pick(urls()), signedIn.data.token);
        requests++;
        meMs.push(a.ms);
        if (a.status === 401) wronglyRefused++;
      }
    }
  };
  const loops = Array.from({ length: 6 }, (_, w) => loop(w));
  return {
    async stop() {
      stop = true;
      await Promise.all(loops);
      return { requests, wronglyRefused, meMs };
    },
  };
}

export async function loadScenario(h: Harness, log: (l: string) => void): Promise<ScenarioResult> {
  const n = h.options.logouts;
  const recorder = new Recorder();
  const app = await h.admin.createApp('load');
  const accounts = await h.admin.createUsers('load', 50);
  const others = await h.admin.createUsers('busy', 20);
  const urls = h.urls();
  log(`  signing in ${n} sessions…`);
  const sessions = await signInMany(recorder, urls, app.id, accounts, n);
  const auditBefore = await h.admin.auditCount();

  const arrivedBefore = await propagationCounts(urls);
  const bucketsBefore = await propagationBuckets(urls);
  const traffic = backgroundTraffic(recorder, () => h.urls(), app.id, others);
  await sleep(500);
  const started = performance.now();
  const outcomes = await Promise.all(
    sessions.map(async (s: Session, i) => {
      const a = await logout(recorder, urls[i % urls.length]!, s.token);
      const at = performance.now();
      if (a.status !== 200) return { s, status: a.status, ms: a.ms, latency: null as number | null };
      return { s, status: 200, ms: a.ms, latency: await untilRefusedEverywhere(recorder, urls, s.token, at) };
    }),
  );
  const wall = performance.now() - started;
  const bg = await traffic.stop();

  const answered = outcomes.filter((o) => o.status === 200);
  const latencies = answered.flatMap((o) => (o.latency === null ? [] : [o.latency]));
  // Afterwards, once more on every node: a refusal that did not hold would show here.
  const final = await Promise.all(
    answered.flatMap((o) => urls.map(async (u) => (await me(recorder, u, o.s.token)).status)),
  );
  const acceptedAfter = final.filter((st) => st !== 401).length;
  const audits = (await h.admin.auditCount()) - auditBefore;
  const arrived = await propagationCounts(urls);
  const byBus = arrived.bus - arrivedBefore.bus;
  const byPoll = arrived.poll - arrivedBefore.poll;
  const bucketsAfter = await propagationBuckets(urls);
  const nodeView = `the nodes' own commit-to-index time (histogram): p50 ${bucketPercentile(bucketsBefore, bucketsAfter, 50)}, p99 ${bucketPercentile(bucketsBefore, bucketsAfter, 99)}`;
  const lost = answered.length - latencies.length + acceptedAfter;

  const failures: string[] = [];
  const fiveXX = recorder.fiveXX().length;
  if (answered.length !== n) failures.push(`${n - answered.length} logouts not answered 200`);
  if (lost > 0) failures.push(`${lost} logged-out tokens still accepted somewhere`);
  if (audits !== answered.length) failures.push(`${audits} audit records for ${answered.length} logouts`);
  if (fiveXX > 0) failures.push(`${fiveXX} 5xx`);
  if (recorder.failed().length > 0) failures.push(`${recorder.failed().length} requests without an answer`);
  if (bg.wronglyRefused > 0) failures.push(`${bg.wronglyRefused} fresh tokens refused`);
  const max = latencies.length ? Math.max(...latencies) : null;
  return result(
    'load',
    {
      count: `${answered.length}/${n} logouts`,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      fiveXX,
      lost,
      notes: `${n} concurrent POST /api/v2/logout over 3 nodes in ${(wall / 1000).toFixed(1)} s beside ${bg.requests} sign-ins and /me calls of 20 other users; max ${ms(max)}; for scale, meanwhile a logout took p50 ${ms(
        percentile(
          outcomes.map((o) => o.ms),
          50,
        ),
      )}, p99 ${ms(
        percentile(
          outcomes.map((o) => o.ms),
          99,
        ),
      )} and a /me with a valid token p50 ${ms(percentile(bg.meMs, 50))}, p99 ${ms(percentile(bg.meMs, 99))}; ends reaching the other nodes by bus/poll ${byBus}/${byPoll} (of ${2 * answered.length}), ${nodeView}; audit records ${audits} = logouts ${answered.length}; fresh tokens wrongly refused: ${bg.wronglyRefused}`,
    },
    failures,
  );
}
