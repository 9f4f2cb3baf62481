// Benchmark (h), first part: a 10,000-user kick reaching a Shared Signals poll receiver
// completely. U users × 3 sessions are signed in to apps A and B; A has a poll stream. The kick
// from A (`kickFromApp`, what kick-active-users calls) queues its SETs in the end's transaction —
// one per user, the user subject standing for all their sessions — and the receiver polls
// (RFC 8936, maxEvents 1000, acknowledging each batch) until nothing is left. Measured: the
// kick, the drain, and their sum, beside the same kick with no stream (the same run's baseline:
// what queueing SETs adds to the end). The poll is the transmitter's own code (services.setPoller),
// in process: signing and the store are measured, HTTP framing is not.
//
//   node bench/ssf-kick.ts [--users 10000] [--postgres postgres://…]
import { parseArgs } from 'node:util';
import { machine, printTable } from './measure.ts';
import { openBenchStore, SESSIONS_PER_USER, type StoreKind, seed } from './seed.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    postgres: { type: 'string', default: process.env.SIGNOFF_TEST_DATABASE_URL ?? '' },
  },
});
const actor = { type: 'admin', id: 'bench' } as const;
const users = Number(values.users);
const userIds = Array.from({ length: users }, (_, i) => `u${i + 1}`);

async function measure(kind: StoreKind, withStream: boolean) {
  const bench = await openBenchStore(kind, values.postgres);
  const { services, poolId } = bench;
  try {
    const a = await services.apps.create(poolId, { name: 'A' });
    const b = await services.apps.create(poolId, { name: 'B' });
    if (!a.ok || !b.ok) throw new Error('apps refused');
    await seed(bench.db, poolId, [a.app.id, b.app.id], users, Date.now());
    const receiver = { poolId, appId: a.app.id };
    const stream = withStream ? await services.streams.create(receiver, {}) : null;
    if (stream && !stream.ok) throw new Error(stream.description);

    const start = performance.now();
    const summary = await services.logout.kickFromApp(poolId, a.app.id, userIds, actor);
    const kicked = performance.now();
    if (summary.appSessions !== users * SESSIONS_PER_USER) throw new Error(`kicked ${summary.appSessions}`);
    let received = 0;
    let polls = 0;
    if (stream?.ok) {
      let ack: string[] = [];
      for (;;) {
        const polled = await services.setPoller.poll(receiver, stream.value.id, {
          maxEvents: 1000,
          returnImmediately: true,
          ack,
        });
        if (!polled.ok) throw new Error(polled.description);
        polls += 1;
        ack = Object.keys(polled.value.sets);
        received += ack.length;
        if (ack.length === 0) break;
      }
      if (received !== users) throw new Error(`received ${received} SETs, expected ${users}`);
    }
    const done = performance.now();
    return {
      kickMs: kicked - start,
      drainMs: done - kicked,
      totalMs: done - start,
      events: summary.events,
      received,
      polls,
    };
  } finally {
    await bench.close();
  }
}

const kinds: StoreKind[] = values.postgres ? ['sqlite', 'postgres'] : ['sqlite'];
const rows: string[][] = [];
for (const kind of kinds) {
  const baseline = await measure(kind, false);
  const result = await measure(kind, true);
  rows.push(
    [
      kind,
      'no stream (baseline)',
      '0',
      (baseline.kickMs / 1000).toFixed(3),
      '—',
      (baseline.totalMs / 1000).toFixed(3),
      '—',
    ],
    [
      kind,
      'poll stream',
      String(result.events),
      (result.kickMs / 1000).toFixed(3),
      `${(result.drainMs / 1000).toFixed(3)} (${result.polls} polls)`,
      (result.totalMs / 1000).toFixed(3),
      String(Math.round(result.received / (result.drainMs / 1000))),
    ],
  );
}
console.log(`Machine: ${machine()}`);
printTable(
  `(h) kick of ${users.toLocaleString('en')} users × ${SESSIONS_PER_USER} sessions reaching a poll receiver`,
  ['store', 'case', 'SETs queued', 'kick s', 'drain s', 'total s', 'SETs/s drained'],
  rows,
);
