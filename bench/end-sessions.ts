// Benchmark (c): ending U users × 3 sessions through the session core — one call of
// core.endSessions, which commits the ends, the audit record and the outbox in one
// transaction, then updates the revocation index and publishes the event — on SQLite and
// PostgreSQL, at U and 10·U to show how it grows.
//
//   node bench/end-sessions.ts [--users 10000] [--scale 10] [--postgres postgres://…]
// PostgreSQL runs when --postgres or SIGNOFF_TEST_DATABASE_URL is given.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createServices } from '../src/domain/services.ts';
import { createPostgresDriver } from '../src/store/postgres/postgres-driver.ts';
import type { SqlDriver } from '../src/store/sql-driver.ts';
import { createSqlStore } from '../src/store/sql-store.ts';
import { createSqliteDriver } from '../src/store/sqlite/sqlite-driver.ts';
import { machine, printTable } from './measure.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    scale: { type: 'string', default: '10' },
    postgres: { type: 'string', default: process.env.SIGNOFF_TEST_DATABASE_URL ?? '' },
    scope: { type: 'string', default: 'users' },
  },
});
const SESSIONS_PER_USER = 3;
const quiet = { info() {}, warn() {}, error() {} };
const settings = {
  publicUrl: 'http://localhost:3000',
  accessTokenTTL: 3600,
  adminTokenTTL: 7200,
  sessionIdleTTL: 86400,
  sessionAbsoluteTTL: 86400 * 30,
  backchannelGiveUpAfter: 86400,
  backchannelAllowPrivate: false,
};

/**
 * Seeds users, sessions and app sessions with set-based SQL (WITH RECURSIVE works on both
 * databases), so that seeding a million rows takes seconds and is not what is measured.
 */
async function seed(db: SqlDriver, poolId: string, appIds: string[], users: number, now: number) {
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${users})`;
  await db.transaction(async (q) => {
    await q(
      `${numbers} INSERT INTO users (id, pool_id, username, email, name, password_hash, created_at, updated_at)
       SELECT 'u' || i, $1, 'user' || i, NULL, NULL, 'x', $2, $2 FROM n`,
      [poolId, now],
    );
    for (let k = 0; k < SESSIONS_PER_USER; k++) {
      await q(
        `${numbers} INSERT INTO sessions (id, pool_id, user_id, secret_hash, user_agent, ip, device, created_at,
           last_active_at, idle_expires_at, expires_at)
         SELECT 's' || i || '-${k}', $1, 'u' || i, 'h' || i || '-${k}', NULL, '127.0.0.1', '{}', $2, $2, $3, $3 FROM n`,
        [poolId, now, now + 86_400_000],
      );
      for (const [a, appId] of appIds.entries()) {
        await q(
          `${numbers} INSERT INTO app_sessions (id, session_id, pool_id, app_id, user_id, created_at, last_active_at)
           SELECT 'a' || i || '-${k}-${a}', 's' || i || '-${k}', $1, $2, 'u' || i, $3, $3 FROM n`,
          [poolId, appId, now],
        );
      }
    }
  });
}

async function measure(kind: 'sqlite' | 'postgres', users: number, backchannel: boolean) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'signoff-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const db =
    kind === 'sqlite'
      ? createSqliteDriver(path.join(dataDir, 'signoff.db'))
      : createPostgresDriver(values.postgres, { schema });
  const store = createSqlStore(db);
  await store.migrate();
  const services = await createServices({
    store,
    bus: createMemoryBus(),
    clock: systemClock,
    log: quiet,
    settings,
    background: false,
  });
  try {
    const created = await services.pools.create({ name: 'bench' });
    if (!created.ok) throw new Error('pool');
    const poolId = created.pool.id;
    // Every session is signed in to one app. When that app listens for back-channel logout,
    // every session end also queues a delivery in the same transaction (the heavier case).
    const listening = await services.apps.create(poolId, {
      name: 'app',
      ...(backchannel ? { backchannelLogoutUri: 'https://rp.example/backchannel' } : {}),
    });
    const seedStart = performance.now();
    await seed(db, poolId, [listening.app.id], users, Date.now());
    // Real tables have planner statistics (autovacuum); freshly seeded ones do not yet.
    if (kind === 'postgres') await db.query('ANALYZE');
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
    await services.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: values.postgres });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
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
