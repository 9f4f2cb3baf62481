// Benchmark (d): Authing's "kick active users" at scale, and the back-channel fan-out after it.
//
// 1. Kick U users × 3 sessions out of app A through `services.logout.kickFromApp` (what
//    POST …/kick-active-users calls; scope app-users), every session also signed in to app B,
//    so the sessions go on and only their A part ends. A listens for back-channel logout: each
//    ended A session queues a delivery in the same transaction. SQLite and PostgreSQL, U and
//    10·U. Target (issue 4): ≤ 0.5 s SQLite, ≤ 1 s PostgreSQL at 10,000 users; linear at 10×.
// 2. Fan-out: kick F users × 3 sessions from an app whose back-channel receiver is a node:http
//    server on 127.0.0.1 (its own process) answering 204, then run the worker
//    (`backchannel.runOnce()`, one batch at a time) until the outbox is empty → deliveries/s.
//    For reference the same with the receiver down (connection refused): one attempt each, all
//    rescheduled; and the background loop itself (`backchannel.start()`, which overlaps its
//    batches) until every notice is delivered.
//
//   node bench/kick.ts [--users 10000] [--scale 10] [--fanout-users 700] [--fanout-modes up,down,loop]
//                      [--postgres postgres://…]
// PostgreSQL runs when --postgres or SIGNOFF_TEST_DATABASE_URL is given.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { machine, printTable } from './measure.ts';
import { openBenchStore, SESSIONS_PER_USER, type StoreKind, seed } from './seed.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    scale: { type: 'string', default: '10' },
    'fanout-users': { type: 'string', default: '700' },
    'fanout-modes': { type: 'string', default: 'up,down,loop' },
    postgres: { type: 'string', default: process.env.SIGNOFF_TEST_DATABASE_URL ?? '' },
  },
});
const actor = { type: 'admin', id: 'bench' } as const;
const userIdsUpTo = (n: number) => Array.from({ length: n }, (_, i) => `u${i + 1}`);

/**
 * `kick`: the users out of app A only. `whole` (the baseline, measured in the same run): the
 * same users' whole sessions ended (users/kick), which issue 2 measured against the same
 * targets; it writes as many outbox rows (A is notified, B is not) and ends the sessions.
 */
async function measureKick(kind: StoreKind, users: number, mode: 'kick' | 'whole' = 'kick') {
  const bench = await openBenchStore(kind, values.postgres);
  const { services, poolId } = bench;
  try {
    const a = await services.apps.create(poolId, {
      name: 'A',
      // A public address (RFC 5737 documentation range): the SSRF guard accepts it at registration.
      backchannelLogoutUri: 'https://203.0.113.10/backchannel',
    });
    const b = await services.apps.create(poolId, { name: 'B' });
    if (!a.ok || !b.ok) throw new Error('apps refused');
    await seed(bench.db, poolId, [a.app.id, b.app.id], users, Date.now());
    const userIds = userIdsUpTo(users);
    const start = performance.now();
    const summary =
      mode === 'kick'
        ? await services.logout.kickFromApp(poolId, a.app.id, userIds, actor)
        : await services.logout.kickFromPool(poolId, userIds, actor);
    const ms = performance.now() - start;
    const expected = users * SESSIONS_PER_USER;
    if (mode === 'whole') {
      if (summary.sessions !== expected || summary.deliveries !== expected) throw new Error('whole');
      return { ms, summary };
    }
    if (summary.appSessions !== expected || summary.deliveries !== expected) {
      throw new Error(
        `ended ${summary.appSessions} app sessions, ${summary.deliveries} deliveries; expected ${expected}`,
      );
    }
    // The kick must not have ended the sessions themselves: they go on in B.
    const live = await bench.services.store.sessions.countLive(poolId, null);
    if (live !== expected) throw new Error(`${live} live sessions after the kick, expected ${expected}`);
    return { ms, summary };
  } finally {
    await bench.close();
  }
}

interface Receiver {
  port: number;
  child: ChildProcess;
  /** Notices received so far. */
  count(): Promise<number>;
  /** CPU time the receiver's process has used so far, µs. */
  cpu(): Promise<number>;
}

/** A back-channel receiver in its own process (as an app's server is), answering 204. */
async function startReceiver(): Promise<Receiver> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import http from 'node:http';
       let n = 0;
       const server = http.createServer((req, res) => {
         req.resume();
         req.on('end', () => { n += 1; res.writeHead(204).end(); });
       });
       server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
       process.stdin.on('data', (ask) => {
         const { user, system } = process.cpuUsage();
         process.stdout.write((String(ask).startsWith('cpu') ? user + system : n) + '\\n');
       });`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolve) => {
      const line = lines.shift();
      if (line !== undefined) resolve(line);
      else waiting.push(resolve);
    });
  const port = Number(await nextLine());
  return {
    port,
    child,
    async count() {
      child.stdin?.write('?\n');
      return Number(await nextLine());
    },
    async cpu() {
      child.stdin?.write('cpu\n');
      return Number(await nextLine());
    },
  };
}

type FanoutMode = 'up' | 'down' | 'loop';

async function measureFanout(kind: StoreKind, users: number, mode: FanoutMode) {
  const receiverUp = mode !== 'down';
  // Loopback receivers are refused by default (SSRF guard); this one is ours.
  const bench = await openBenchStore(kind, values.postgres, { backchannelAllowPrivate: true });
  const { services, poolId } = bench;
  const receiver = await startReceiver();
  try {
    if (!receiverUp) {
      receiver.child.kill();
      await once(receiver.child, 'exit');
    }
    const app = await services.apps.create(poolId, {
      name: 'listening',
      backchannelLogoutUri: `http://127.0.0.1:${receiver.port}/backchannel-logout`,
    });
    if (!app.ok) throw new Error(app.problem);
    await seed(bench.db, poolId, [app.app.id], users, Date.now());
    const summary = await services.logout.kickFromApp(poolId, app.app.id, userIdsUpTo(users), actor);
    const totals = { runs: 0, claimed: 0, delivered: 0, retried: 0, failed: 0, perRun: 0 };
    const cpu = { process: process.cpuUsage(), receiver: receiverUp ? await receiver.cpu() : 0 };
    const cpuPerNotice = async (n: number) => {
      const used = process.cpuUsage(cpu.process);
      return {
        process: (used.user + used.system) / n,
        receiver: receiverUp ? ((await receiver.cpu()) - cpu.receiver) / n : 0,
      };
    };
    if (mode === 'loop') {
      return {
        ...(await measureLoop(bench, app.app.id, summary.deliveries, receiver)),
        cpu: await cpuPerNotice(summary.deliveries),
      };
    }
    const start = performance.now();
    // Up: until nothing is due. Down: one attempt each (retries come due 1–2 s later and
    // would be counted again, measuring the backoff rather than the worker).
    for (;;) {
      if (!receiverUp && totals.claimed >= summary.deliveries) break;
      const run = await services.backchannel.runOnce();
      if (run.claimed === 0) break;
      totals.runs += 1;
      totals.perRun = Math.max(totals.perRun, run.claimed);
      totals.claimed += run.claimed;
      totals.delivered += run.delivered;
      totals.retried += run.retried;
      totals.failed += run.failed;
    }
    const ms = performance.now() - start;
    const used = await cpuPerNotice(totals.claimed);
    const received = receiverUp ? await receiver.count() : 0;
    if (receiverUp && (totals.delivered !== summary.deliveries || received !== summary.deliveries)) {
      throw new Error(`${totals.delivered} delivered, ${received} received of ${summary.deliveries}`);
    }
    return { ms, queued: summary.deliveries, totals, received, cpu: used };
  } finally {
    if (receiver.child.exitCode === null && receiver.child.signalCode === null) {
      receiver.child.kill();
      await once(receiver.child, 'exit');
    }
    await bench.close();
  }
}

/** The background loop, started as a server starts it, until the receiver has every notice. */
async function measureLoop(
  bench: Awaited<ReturnType<typeof openBenchStore>>,
  appId: string,
  queued: number,
  receiver: Receiver,
) {
  const { services, poolId } = bench;
  const start = performance.now();
  // A long poll: the loop drains on its own once woken (as by the end's event).
  services.backchannel.start(3_600_000);
  while ((await receiver.count()) < queued) await new Promise((resolve) => setTimeout(resolve, 5));
  // stop() waits for the runs in flight, which record the last outcomes.
  await services.backchannel.stop();
  const ms = performance.now() - start;
  const delivered = (await services.store.deliveries.list(poolId, appId, 'delivered', 0, 1)).totalCount;
  const received = await receiver.count();
  if (delivered !== queued || received !== queued) {
    throw new Error(`${delivered} delivered, ${received} received of ${queued}`);
  }
  const totals = { runs: 0, claimed: queued, delivered, retried: 0, failed: 0, perRun: 0 };
  return { ms, queued, totals, received };
}

const base = Number(values.users);
const scale = Number(values.scale);
const kinds: StoreKind[] = values.postgres ? ['sqlite', 'postgres'] : ['sqlite'];

const kickRows: string[][] = [];
for (const kind of kinds) {
  const baseline = await measureKick(kind, base, 'whole');
  const small = await measureKick(kind, base);
  const large = await measureKick(kind, base * scale);
  const target = kind === 'sqlite' ? 0.5 : 1;
  kickRows.push([
    kind,
    'baseline: whole sessions (users/kick)',
    base.toLocaleString('en'),
    `${baseline.summary.sessions.toLocaleString('en')} sessions`,
    baseline.summary.deliveries.toLocaleString('en'),
    (baseline.ms / 1000).toFixed(3),
    `${((baseline.ms / 1000 / target) * 100).toFixed(0)} % of ${target} s`,
    '',
  ]);
  for (const [users, r] of [
    [base, small],
    [base * scale, large],
  ] as const) {
    kickRows.push([
      kind,
      'kick from A',
      users.toLocaleString('en'),
      `${r.summary.appSessions.toLocaleString('en')} A sessions`,
      r.summary.deliveries.toLocaleString('en'),
      (r.ms / 1000).toFixed(3),
      users === base ? `${((r.ms / 1000 / target) * 100).toFixed(0)} % of ${target} s` : '',
      users === base
        ? `${(small.ms / baseline.ms).toFixed(2)}× the baseline`
        : `${(large.ms / small.ms).toFixed(1)}× for ${scale}×`,
    ]);
  }
}
printTable(
  `Kicking users × ${SESSIONS_PER_USER} sessions from app A (sessions go on in B), ${machine()}`,
  ['store', 'what', 'users', 'ended', 'deliveries queued', 'seconds', 'vs target', 'growth / ratio'],
  kickRows,
);

const fanoutUsers = Number(values['fanout-users']);
const fanoutRows: string[][] = [];
let perRun = 0;
for (const kind of kinds) {
  for (const mode of values['fanout-modes'].split(',') as FanoutMode[]) {
    const r = await measureFanout(kind, fanoutUsers, mode);
    perRun = Math.max(perRun, r.totals.perRun);
    fanoutRows.push([
      kind,
      { up: 'up, 204', down: 'down (refused)', loop: 'up, 204; background loop' }[mode],
      r.queued.toLocaleString('en'),
      mode === 'loop' ? '' : r.totals.runs.toLocaleString('en'),
      r.totals.delivered.toLocaleString('en'),
      r.totals.retried.toLocaleString('en'),
      (r.ms / 1000).toFixed(3),
      Math.round(r.totals.claimed / (r.ms / 1000)).toLocaleString('en'),
      Math.round(r.cpu.process).toLocaleString('en'),
      mode === 'down' ? '' : Math.round(r.cpu.receiver).toLocaleString('en'),
    ]);
  }
}
printTable(
  `Back-channel fan-out: runOnce() until the outbox has nothing due (up to ${perRun} a run), or the background loop until all are delivered`,
  [
    'store',
    'receiver',
    'deliveries queued',
    'runs',
    'delivered',
    'rescheduled',
    'seconds',
    'attempts/s',
    'CPU µs/attempt, Signoff',
    'receiver',
  ],
  fanoutRows,
);
