// A back-channel receiver that is down, then up: every logout made meanwhile must be
// delivered once it is up. In real time the harness keeps its receiver down for DOWN_MS —
// first answering 503, then closed (connections refused) — while users log out on every node;
// the hour of the issue runs on a manual clock in harness/receiver-down-hour.test.ts (the real
// server stack and a real receiver; the nodes' clock cannot be driven from outside), which this
// scenario runs too and reports beside.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { logout, percentile, Recorder, signInMany } from '../api.ts';
import { sleep, sparePort } from '../cluster.ts';
import { type Harness, result, type ScenarioResult } from '../context.ts';
import { startReceiver } from '../receiver.ts';

const DOWN_MS = 12_000;
const ROOT = path.resolve(import.meta.dirname, '../..');

function hourTest(postgresUrl: string): { ok: boolean; line: string } {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'harness/vitest.config.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, SIGNOFF_TEST_DATABASE_URL: postgresUrl, FORCE_COLOR: '0', NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  const tests = /Tests\s+(.+)/.exec(run.stdout)?.[1]?.trim() ?? 'no summary';
  return { ok: run.status === 0, line: tests };
}

export async function receiverDownScenario(h: Harness, log: (l: string) => void): Promise<ScenarioResult> {
  const recorder = new Recorder();
  const receiver = await startReceiver(await sparePort());
  const failures: string[] = [];
  try {
    const app = await h.admin.createApp('receiver', receiver.url);
    const accounts = await h.admin.createUsers('rcv', 10);
    const urls = h.urls();
    const sessions = await signInMany(recorder, urls, app.id, accounts, 40);
    const expected = new Set(sessions.map((s) => s.sid));

    // Half the logouts while it answers 503, half while nothing listens.
    await receiver.setMode('503');
    log(`  receiver down (503, then closed) for ${DOWN_MS / 1000} s`);
    const outs = await Promise.all(
      sessions.slice(0, 20).map((s, i) => logout(recorder, urls[i % 3]!, s.token)),
    );
    await sleep(DOWN_MS / 2);
    await receiver.setMode('closed');
    outs.push(
      ...(await Promise.all(sessions.slice(20).map((s, i) => logout(recorder, urls[i % 3]!, s.token)))),
    );
    await sleep(DOWN_MS / 2);
    const refusedWhileDown = receiver.refused;
    const receivedWhileDown = receiver.received.length;
    await receiver.setMode('up');
    const upAt = Date.now();
    log('  receiver up');
    const until = performance.now() + 120_000;
    const missing = () => [...expected].filter((sid) => !receiver.sids().has(sid)).length;
    while (missing() > 0 && performance.now() < until) await sleep(200);
    const lost = missing();
    const afterUp = receiver.received.map((n) => n.at - upAt);
    const repeats = receiver.received.length - receiver.sids().size;
    const [delivered, pending, failed] = await Promise.all([
      h.admin.deliveries(app.id, 'delivered'),
      h.admin.deliveries(app.id, 'pending'),
      h.admin.deliveries(app.id, 'failed'),
    ]);
    log('  the hour on a manual clock: harness/receiver-down-hour.test.ts');
    const hour = hourTest(h.options.postgresUrl);

    const notOk = outs.filter((o) => o.status !== 200).length;
    if (notOk > 0) failures.push(`${notOk} logouts not answered 200`);
    if (lost > 0) failures.push(`${lost} notices not received within 120 s of the receiver coming back`);
    if (failed > 0) failures.push(`${failed} deliveries failed`);
    if (!hour.ok) failures.push(`the hour-long test failed (${hour.line})`);
    const fiveXX = recorder.fiveXX().length;
    if (fiveXX > 0) failures.push(`${fiveXX} 5xx`);
    return result(
      'receiver-down',
      {
        count: `${expected.size} notices`,
        p50: percentile(afterUp, 50),
        p99: percentile(afterUp, 99),
        fiveXX,
        lost,
        notes:
          `real time: receiver down ${DOWN_MS / 1000} s (503 then closed), ${refusedWhileDown} attempts answered 503 meanwhile and ${receivedWhileDown} received; p50/p99: from the receiver coming back to each notice's arrival (retry backoff); ` +
          `${receiver.received.length} received for ${receiver.sids().size} sessions (${repeats} repeats); ledger delivered ${delivered}, pending ${pending}, failed ${failed}; ` +
          `an hour down on a manual clock (harness/receiver-down-hour.test.ts, PostgreSQL): ${hour.ok ? 'passed' : 'FAILED'} (${hour.line})`,
      },
      failures,
    );
  } finally {
    await receiver.close();
  }
}
