// Benchmark (f): the SDK token verifier's `verify` against `jose.jwtVerify` with the same key
// and the same token, in the same process, interleaved in rounds. The verifier's index holds
// 100,000 revoked sessions, loaded the way a real one loads them: Signoff (`node src/main.ts`,
// its own process) starts on a store where 33,334 users × 3 sessions were kicked out of the
// app, and the verifier's start-up route hands it every one of those sessions.
//
//   node bench/sdk-verifier.ts [--revoked 100000] [--rounds 21] [--ms 300] [--concurrency 1,16] [--port 3918]
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as jose from 'jose';
import { createTokenVerifier } from '../sdk/src/index.ts';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createServices } from '../src/domain/services.ts';
import { createSqlStore } from '../src/store/sql/sql-store.ts';
import { createSqliteDriver } from '../src/store/sqlite/sqlite-driver.ts';
import { machine, measureAsync, median, printTable } from './measure.ts';
import { benchSettings, SESSIONS_PER_USER, seed } from './seed.ts';
import { BENCH_POOL, BENCH_SECRET, newDataDir, PASSWORD, startSignoff } from './signoff-process.ts';

const { values } = parseArgs({
  options: {
    revoked: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '21' },
    ms: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1,16' },
    port: { type: 'string', default: '3918' },
  },
});
const rounds = Number(values.rounds);
const ms = Number(values.ms);
const users = Math.ceil(Number(values.revoked) / SESSIONS_PER_USER);
const quiet = { info() {}, warn() {}, error() {} };

// The store Signoff will start on: the pool, the app, a reader who signs in, and the kicked users.
const dataDir = newDataDir();
const db = createSqliteDriver(path.join(dataDir, 'signoff.db'));
const store = createSqlStore(db);
await store.migrate();
const services = await createServices({
  store,
  bus: createMemoryBus(),
  clock: systemClock,
  log: quiet,
  settings: benchSettings,
  background: false,
});
if (!(await services.pools.create({ id: BENCH_POOL, name: 'bench', secret: BENCH_SECRET })).ok)
  throw new Error();
const created = await services.apps.create(BENCH_POOL, { name: 'orders-api' });
if (!created.ok) throw new Error('app');
const app = { id: created.app.id, secret: created.secret };
if (!(await services.users.create(BENCH_POOL, { username: 'reader', password: PASSWORD })).ok)
  throw new Error();
await seed(db, BENCH_POOL, [app.id], users, Date.now());
const kicked = await services.logout.kickFromApp(
  BENCH_POOL,
  app.id,
  Array.from({ length: users }, (_, i) => `u${i + 1}`),
  { type: 'admin', id: 'bench' },
);
await services.stop();
await store.close();

const signoff = await startSignoff({ port: Number(values.port), dataDir });
try {
  const token = await signoff.login(app.id, 'reader');
  const verifier = await createTokenVerifier({
    issuer: signoff.issuer,
    clientId: app.id,
    clientSecret: app.secret,
  });
  const { revokedSessions } = verifier.status();
  if (revokedSessions < kicked.appSessions) {
    throw new Error(`${revokedSessions} sessions in the index, ${kicked.appSessions} were kicked`);
  }

  // The same key: the JWK of the token's kid, imported once, as an app holding it would.
  const { kid } = jose.decodeProtectedHeader(token);
  const jwks = (await (await fetch(`${signoff.issuer}/jwks`)).json()) as { keys: jose.JWK[] };
  const key = await jose.importJWK(jwks.keys.find((k) => k.kid === kid)!, 'RS256');
  const remote = jose.createRemoteJWKSet(new URL(`${signoff.issuer}/jwks`));
  const options = { issuer: signoff.issuer, audience: app.id, typ: 'at+jwt', algorithms: ['RS256'] };

  const BASELINE = 'baseline: jose.jwtVerify, the same key';
  const VERIFIER = 'Signoff verifier: verify (+ index lookup, feed health)';
  const cases: Record<string, () => Promise<unknown>> = {
    [BASELINE]: () => jose.jwtVerify(token, key, options),
    'jose.jwtVerify, createRemoteJWKSet': () => jose.jwtVerify(token, remote, options),
    [VERIFIER]: () => verifier.verify(token),
  };
  if (!(await verifier.verify(token)).ok) throw new Error('the token does not verify');
  for (const fn of Object.values(cases)) await fn();

  console.log(`Machine: ${machine()}`);
  const summary: string[] = [];
  for (const concurrency of values.concurrency.split(',').map(Number)) {
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    /** Per round, each case against the baseline of that round: the load on a shared machine moves both alike. */
    const ratios: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    const entries = Object.entries(cases);
    for (let r = 0; r < rounds; r++) {
      // Each round starts with a different case, so that no case always runs first or last.
      const round: Record<string, number> = {};
      for (let i = 0; i < entries.length; i++) {
        const [name, fn] = entries[(i + r) % entries.length]!;
        const measured = await measureAsync(fn, ms, concurrency);
        round[name] = measured.opsPerSecond;
        samples[name]!.push(measured.opsPerSecond);
        cpu[name]!.push(measured.cpuMicrosPerOp);
      }
      for (const name of Object.keys(cases)) ratios[name]!.push(round[name]! / round[BASELINE]!);
    }
    const baselineCpu = median(cpu[BASELINE]!);
    printTable(
      `SDK verifier, ${revokedSessions.toLocaleString('en')} revoked sessions in its index, ${concurrency} call(s) in flight, ${rounds} rounds × ${ms} ms`,
      [
        'case',
        'ops/s (median)',
        'vs baseline (median of per-round ratios)',
        'CPU µs/op (median)',
        'CPU vs baseline',
      ],
      Object.keys(cases).map((name) => [
        name,
        Math.round(median(samples[name]!)).toLocaleString('en'),
        median(ratios[name]!).toFixed(3),
        median(cpu[name]!).toFixed(1),
        (median(cpu[name]!) / baselineCpu).toFixed(3),
      ]),
    );
    summary.push(`${concurrency} in flight: ${median(ratios[VERIFIER]!).toFixed(3)}`);
  }
  console.log(`\nratio (verifier / jose.jwtVerify, same key) — ${summary.join('; ')} (target ≥ 0.95)`);
  await verifier.close();
} finally {
  await signoff.stop();
}
