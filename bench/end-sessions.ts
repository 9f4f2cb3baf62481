// Benchmark (c): ending U users × 3 sessions through the session core — one call of
// core.endSessions, which commits the ends, the audit record and the outbox in one
// transaction, then updates the revocation index and publishes the event — on SQLite and
// PostgreSQL, at U and 10·U to show how it grows.
//
//   node bench/end-sessions.ts [--users 10000] [--scale 10] [--postgres postgres://…]
// PostgreSQL runs when --postgres or SIGNOFF_TEST_DATABASE_URL is given.
import { parseArgs } from 'node:util';
import { machine, printTable } from './measure.ts';
import { openBenchStore, SESSIONS_PER_USER, seed } from './seed.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    scale: { type: 'string', default: '10' },
    postgres: { type: 'string', default: process.env.SIGNOFF_TEST_DATABASE_URL ?? '' },
    scope: { type: 'string', default: 'users' },
  },
});

async function measure(kind: 'sqlite' | 'postgres', users: number, backchannel: boolean) {
  const bench = await openBenchStore(kind, values.postgres);
  const { services, poolId } = bench;
  try {
    // Every session is signed in to one app. When that app listens for back-channel logout,
    // every session end also queues a delivery in the same transaction (the heavier case).
    const listening = await services.apps.create(poolId, {
      name: 'app',
      // A public address (RFC 5737 documentation range): the SSRF guard accepts it at registration.
      ...(backchannel ? { backchannelLogoutUri: 'https://203.0.113.10/backchannel' } : {}),
    });
    if (!listening.ok) throw new Error(listening.problem);
    const seedStart = performance.now();
    await seed(bench.db, poolId, [listening.app.id], users, Date.now());
    const seedMs = performance.now() - seedStart;
    const userIds = Array.from({ length: users }, (_, i) => `u${i + 1}`);

    const start = performance.now();
    const summary =
      values.scope === 'app-users'
        ? await services.core.endSessions(
            { scope: 'app-users', poolId, appId: listening.app.id, userIds },
            'admin_kick',
            { type: 'admin', id: 'bench' },
          )
        : await services.core.endSessions({ scope: 'users', poolId, userIds }, 'admin_logout', {
            type: 'admin',
            id: 'bench',
          });
    const ms = performance.now() - start;
    const expected = users * SESSIONS_PER_USER;
    if (summary.sessions !== expected) throw new Error(`ended ${summary.sessions}, expected ${expected}`);
    return { ms, seedMs, summary, indexSize: services.index.size };
  } finally {
    await bench.close();
  }
}

const base = Number(values.users);
const scale = Number(values.scale);
const kinds: ('sqlite' | 'postgres')[] = values.postgres ? ['sqlite', 'postgres'] : ['sqlite'];
const rows: string[][] = [];
for (const kind of kinds) {
  for (const backchannel of [false, true]) {
    const small = await measure(kind, base, backchannel);
    const large = await measure(kind, base * scale, backchannel);
    for (const [users, r] of [
      [base, small],
      [base * scale, large],
    ] as const) {
      rows.push([
        kind,
        backchannel ? 'yes' : 'no',
        users.toLocaleString('en'),
        (users * SESSIONS_PER_USER).toLocaleString('en'),
        r.summary.appSessions.toLocaleString('en'),
        r.summary.deliveries.toLocaleString('en'),
        (r.ms / 1000).toFixed(3),
        users === base ? '' : `${(large.ms / small.ms).toFixed(1)}× for ${scale}× the sessions`,
      ]);
    }
  }
}
printTable(
  `Ending users × ${SESSIONS_PER_USER} sessions through the session core (scope ${values.scope}), ${machine()}`,
  [
    'store',
    'back-channel app',
    'users',
    'sessions',
    'app sessions ended',
    'deliveries queued',
    'seconds',
    'growth',
  ],
  rows,
);
