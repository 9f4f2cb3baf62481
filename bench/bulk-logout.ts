// Benchmark (e): "log out everyone" of an app as a bulk logout job (POST …/logout-all), at
// 100,000 sessions by default: batches of 1,000 sessions, one session-core transaction each
// (revocations, outbox rows for the app's back-channel, audit), progress recorded per batch.
// The point is that it finishes — no request waits for it and no batch grows with the total —
// and how its time grows with the count.
//
//   node bench/bulk-logout.ts [--users 33334] [--postgres postgres://…]
import { parseArgs } from 'node:util';
import { machine, printTable } from './measure.ts';
import { openBenchStore, SESSIONS_PER_USER, type StoreKind, seed } from './seed.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '33334' },
    postgres: { type: 'string', default: process.env.SIGNOFF_TEST_DATABASE_URL ?? '' },
  },
});
const users = Number(values.users);
const rows: string[][] = [];
for (const kind of (values.postgres ? ['sqlite', 'postgres'] : ['sqlite']) as StoreKind[]) {
  const bench = await openBenchStore(kind, values.postgres);
  try {
    const app = await bench.services.apps.create(bench.poolId, {
      name: 'everyone',
      // A public address (RFC 5737 documentation range): the SSRF guard accepts it at registration.
      backchannelLogoutUri: 'https://203.0.113.10/backchannel',
    });
    if (!app.ok) throw new Error(app.problem);
    await seed(bench.db, bench.poolId, [app.app.id], users, Date.now());
    const start = performance.now();
    const job = await bench.services.bulkLogouts.start(bench.poolId, app.app.id, {
      type: 'admin',
      id: 'bench',
    });
    await bench.services.bulkLogouts.settle();
    const seconds = (performance.now() - start) / 1000;
    const done = await bench.services.bulkLogouts.get(bench.poolId, job.id);
    if (done?.status !== 'done' || done.ended !== users * SESSIONS_PER_USER) {
      throw new Error(`job ${done?.status}: ${done?.ended} of ${users * SESSIONS_PER_USER}`);
    }
    rows.push([
      kind,
      done.ended.toLocaleString('en'),
      String(done.batches),
      seconds.toFixed(2),
      Math.round(done.ended / seconds).toLocaleString('en'),
    ]);
  } finally {
    await bench.close();
  }
}
printTable(
  `Bulk logout job of one app (batches of 1,000, back-channel outbox on), ${machine()}`,
  ['store', 'sessions ended', 'batches', 'seconds', 'sessions/s'],
  rows,
);
