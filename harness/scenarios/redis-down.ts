// Redis killed (kill -9) in the middle. While it is down, logouts must still answer 200 (and
// quickly: a publish that waits for Redis would hang them) and the other nodes must refuse the
// tokens within the store poll (2 s, fixed in src/domain/services.ts; no variable sets it).
// Redis is then started again on the same port, with no node restarted: the nodes must
// reconnect by themselves (/ready 200 again) and ends must arrive through the bus again, in
// milliseconds — told apart from the poll by signoff_revocation_propagation_seconds{source}.
import {
  logout,
  me,
  percentile,
  propagationCounts,
  Recorder,
  type Session,
  signIn,
  signInMany,
  untilRefusedEverywhere,
} from '../api.ts';
import { sleep, waitFor } from '../cluster.ts';
import { type Harness, ms, result, type ScenarioResult } from '../context.ts';
import { backgroundTraffic } from './load.ts';

const POLL_MS = 2000;
/** The poll's period, plus what a poll query and the asking take on a busy 2-core machine. */
const POLL_BOUND_MS = POLL_MS + 750;
/** "Milliseconds again": far under the poll's period. */
const BUS_BOUND_MS = 250;

/** Logs each session out on one node (in turn), then times its refusal on every node. */
async function logoutsAndRefusals(recorder: Recorder, urls: string[], sessions: Session[]) {
  const logoutMs: number[] = [];
  const refusal: number[] = [];
  /** From the logout's request instead of its answer: what a slow answer hides. */
  const fromSent: number[] = [];
  let failed = 0;
  let unrefused = 0;
  // Five at a time: a few users logging out, not a load test.
  for (let i = 0; i < sessions.length; i += 5) {
    await Promise.all(
      sessions.slice(i, i + 5).map(async (s, k) => {
        const sent = performance.now();
        const a = await logout(recorder, urls[(i + k) % urls.length]!, s.token);
        const at = performance.now();
        logoutMs.push(a.ms);
        if (a.status !== 200) {
          failed++;
          return;
        }
        const t = await untilRefusedEverywhere(recorder, urls, s.token, at, 10_000);
        if (t === null) unrefused++;
        else {
          refusal.push(t);
          fromSent.push(at - sent + t);
        }
      }),
    );
  }
  return { logoutMs, refusal, fromSent, failed, unrefused };
}

export async function redisScenario(h: Harness, log: (l: string) => void): Promise<ScenarioResult> {
  const k = 30;
  const recorder = new Recorder();
  const app = await h.admin.createApp('redis');
  const accounts = await h.admin.createUsers('redis', 10);
  const urls = h.urls();
  const sessions = await signInMany(recorder, urls, app.id, accounts, 3 * k);
  const failures: string[] = [];
  // Other users sign in and read /me throughout, so that Redis dies under requests in flight.
  const others = await h.admin.createUsers('redis-busy', 10);
  const traffic = backgroundTraffic(recorder, () => urls, app.id, others);

  const before = await logoutsAndRefusals(recorder, urls, sessions.slice(0, k));

  await h.redis.kill();
  log('  redis killed (kill -9)');
  await sleep(300);
  const metricsDown = await propagationCounts(urls);
  const down = await logoutsAndRefusals(recorder, urls, sessions.slice(k, 2 * k));
  // Sign-in and a token check go on without Redis (throttle counters fall back to memory).
  const signInsDown = await Promise.all(urls.map((u) => signIn(recorder, u, app.id, accounts[0]!)));
  const meDown = await Promise.all(
    signInsDown.map((s, i) => (s.status === 200 ? me(recorder, urls[i]!, s.data.token) : null)),
  );
  const readyDown = await Promise.all(urls.map(async (u) => (await fetch(`${u}/ready`)).status));
  const metricsDownAfter = await propagationCounts(urls);

  await h.redis.start();
  const restartedAt = performance.now();
  log('  redis started again on the same port');
  let reconnectMs: number | null = null;
  try {
    await waitFor(
      'every node ready again',
      async () =>
        (await Promise.all(urls.map((u) => fetch(`${u}/ready`).then((r) => r.status)))).every(
          (s) => s === 200,
        ),
      30_000,
      100,
    );
    reconnectMs = performance.now() - restartedAt;
  } catch {
    failures.push('nodes not ready within 30 s of Redis coming back');
  }
  // /ready may be green before the subscriber has re-subscribed: give the bus a moment.
  await sleep(500);
  const metricsUp = await propagationCounts(urls);
  const after = await logoutsAndRefusals(recorder, urls, sessions.slice(2 * k));
  const metricsUpAfter = await propagationCounts(urls);
  const bg = await traffic.stop();
  if (bg.wronglyRefused > 0) failures.push(`${bg.wronglyRefused} fresh tokens refused`);

  const downBus = metricsDownAfter.bus - metricsDown.bus;
  const downPoll = metricsDownAfter.poll - metricsDown.poll;
  const upBus = metricsUpAfter.bus - metricsUp.bus;
  const upPoll = metricsUpAfter.poll - metricsUp.poll;
  const maxDown = down.refusal.length ? Math.max(...down.refusal) : null;
  const maxLogoutDown = Math.max(...down.logoutMs);
  const p99After = percentile(after.refusal, 99);
  const lost = before.unrefused + down.unrefused + after.unrefused;

  if (down.failed > 0) failures.push(`${down.failed}/${k} logouts not answered 200 while Redis was down`);
  if (maxLogoutDown > 2000) failures.push(`a logout took ${ms(maxLogoutDown)} while Redis was down`);
  if (maxDown !== null && maxDown > POLL_BOUND_MS)
    failures.push(`refused everywhere only after ${ms(maxDown)} (poll ${POLL_MS} ms)`);
  if (signInsDown.some((s) => s.status !== 200) || meDown.some((a) => a?.status !== 200))
    failures.push(
      `sign-in or /me failed while Redis was down: ${signInsDown.map((s) => s.status).join(',')}`,
    );
  if (p99After > BUS_BOUND_MS)
    failures.push(`after Redis came back p99 ${ms(p99After)} (> ${BUS_BOUND_MS} ms)`);
  if (upBus < k * 2 * 0.9)
    failures.push(`after Redis came back only ${upBus} ends arrived by the bus, ${upPoll} by poll`);
  if (lost > 0) failures.push(`${lost} logged-out tokens still accepted after 10 s`);
  if (before.failed + after.failed > 0)
    failures.push(`${before.failed + after.failed} logouts failed with Redis up`);
  const fiveXX = recorder.fiveXX().length;
  if (fiveXX > 0)
    failures.push(
      `${fiveXX} 5xx (${[...new Set(recorder.fiveXX().map((a) => `${a.status} ${a.code} ${a.route}`))].join(', ')})`,
    );

  return result(
    'redis-down',
    {
      count: `${3 * k} logouts (${k} with Redis down)`,
      p50: percentile(down.refusal, 50),
      p99: percentile(down.refusal, 99),
      fiveXX,
      lost,
      notes:
        `p50/p99: from a logout's 200 to its refusal on every node with Redis down (poll ${POLL_MS} ms), max ${ms(maxDown)}; from the logout's request p50 ${ms(percentile(down.fromSent, 50))}, p99 ${ms(percentile(down.fromSent, 99))}; ` +
        `logout answered in p99 ${ms(percentile(down.logoutMs, 99))}, max ${ms(maxLogoutDown)} while down; ` +
        `/ready while down: ${readyDown.join(',')}; ends arriving by bus/poll while down ${downBus}/${downPoll}; ` +
        `Redis back: every node ready after ${ms(reconnectMs)}, no restart; then p50 ${ms(percentile(after.refusal, 50))}, p99 ${ms(p99After)}, by bus/poll ${upBus}/${upPoll}; ` +
        `beside ${bg.requests} sign-ins and /me calls of 10 other users throughout; ` +
        `before the kill p50 ${ms(percentile(before.refusal, 50))}, p99 ${ms(percentile(before.refusal, 99))}`,
    },
    failures,
  );
}
