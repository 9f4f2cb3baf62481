// Benchmark (h): a 10,000-user kick reaching a Shared Signals receiver completely, by poll and
// by push. U users × 3 sessions are signed in to apps A and B; A has a poll stream. The kick
// from A (`kickFromApp`, what kick-active-users calls) queues its SETs in the end's transaction —
// one per user, the user subject standing for all their sessions — and the receiver polls
// (RFC 8936, maxEvents 1000, acknowledging each batch) until nothing is left. Measured: the
// kick, the drain, and their sum, beside the same kick with no stream (the same run's baseline:
// what queueing SETs adds to the end). The poll is the transmitter's own code (services.setPoller),
// in process: signing and the store are measured, HTTP framing is not. The push case (RFC 8935)
// gives A a push stream to a loopback receiver instead and runs the notice worker's SET push
// channel (services.setPush.runOnce) until every SET has been POSTed and answered 202: signing,
// the store and real HTTP are measured.
//
//   node bench/ssf-kick.ts [--users 10000] [--postgres postgres://…]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

type Mode = 'none' | 'poll' | 'push';

/** A push receiver (RFC 8935 §2.2): counts each SET and answers 202 Accepted. */
async function pushReceiver() {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function measure(kind: StoreKind, mode: Mode) {
  // The receiver is on loopback: the push guard must allow private addresses.
  const bench = await openBenchStore(kind, values.postgres, { backchannelAllowPrivate: mode === 'push' });
  const { services, poolId } = bench;
  const push = mode === 'push' ? await pushReceiver() : null;
  try {
    const a = await services.apps.create(poolId, { name: 'A' });
    const b = await services.apps.create(poolId, { name: 'B' });
    if (!a.ok || !b.ok) throw new Error('apps refused');
    await seed(bench.db, poolId, [a.app.id, b.app.id], users, Date.now());
    const receiver = { poolId, appId: a.app.id };
    const stream =
      mode === 'none'
        ? null
        : await services.streams.create(
            receiver,
            push ? { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: push.url } } : {},
          );
    if (stream && !stream.ok) throw new Error(stream.description);

    const start = performance.now();
    const summary = await services.logout.kickFromApp(poolId, a.app.id, userIds, actor);
    const kicked = performance.now();
    if (summary.appSessions !== users * SESSIONS_PER_USER) throw new Error(`kicked ${summary.appSessions}`);
    let received = 0;
    let polls = 0;
    if (push) {
      for (;;) {
        const run = await services.setPush.runOnce();
        polls += 1;
        if (run.failed > 0 || run.retried > 0) throw new Error(`push: ${JSON.stringify(run)}`);
        if (run.claimed === 0) break;
      }
      received = push.received();
      if (received !== users) throw new Error(`received ${received} SETs, expected ${users}`);
    } else if (stream?.ok) {
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
    await push?.close();
    await bench.close();
  }
}

const kinds: StoreKind[] = values.postgres ? ['sqlite', 'postgres'] : ['sqlite'];
const rows: string[][] = [];
for (const kind of kinds) {
  const baseline = await measure(kind, 'none');
  const result = await measure(kind, 'poll');
  const pushed = await measure(kind, 'push');
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
    [
      kind,
      'push stream',
      String(pushed.events),
      (pushed.kickMs / 1000).toFixed(3),
      `${(pushed.drainMs / 1000).toFixed(3)} (${pushed.polls} worker runs)`,
      (pushed.totalMs / 1000).toFixed(3),
      String(Math.round(pushed.received / (pushed.drainMs / 1000))),
    ],
  );
}
console.log(`Machine: ${machine()}`);
printTable(
  `(h) kick of ${users.toLocaleString('en')} users × ${SESSIONS_PER_USER} sessions reaching a Shared Signals receiver`,
  ['store', 'case', 'SETs queued', 'kick s', 'drain s', 'total s', 'SETs/s drained'],
  rows,
);
