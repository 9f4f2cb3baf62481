// What the session benchmarks share: a throw-away store with real services on SQLite or
// PostgreSQL, and set-based seeding of users × sessions × app sessions, so that seeding a
// million rows takes seconds and is not what is measured.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createServices, type Services } from '../src/domain/services.ts';
import { createPostgresDriver } from '../src/store/postgres/postgres-driver.ts';
import { createSqlStore } from '../src/store/sql/sql-store.ts';
import type { SqlDriver } from '../src/store/sql-driver.ts';
import { createSqliteDriver } from '../src/store/sqlite/sqlite-driver.ts';

export const SESSIONS_PER_USER = 3;
export type StoreKind = 'sqlite' | 'postgres';

const quiet = { info() {}, warn() {}, error() {} };

export const benchSettings = {
  publicUrl: 'http://localhost:3000',
  accessTokenTTL: 3600,
  adminTokenTTL: 7200,
  sessionIdleTTL: 86400,
  sessionAbsoluteTTL: 86400 * 30,
  backchannelGiveUpAfter: 86400,
  backchannelAllowPrivate: false,
};

/**
 * Seeds `users` users with SESSIONS_PER_USER sessions each, every session signed in to every
 * app of `appIds` (WITH RECURSIVE works on both databases). User i is `u<i>`, from 1.
 */
export async function seed(db: SqlDriver, poolId: string, appIds: string[], users: number, now: number) {
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
  // Real tables have planner statistics — autovacuum on PostgreSQL, Signoff's hourly
  // PRAGMA optimize on SQLite — and freshly seeded ones do not yet.
  if (db.kind === 'postgres') await db.query('ANALYZE');
  else await db.query('PRAGMA optimize = 0x10002');
}

export interface BenchStore {
  db: SqlDriver;
  services: Services;
  poolId: string;
  close(): Promise<void>;
}

/** A fresh store (SQLite in a temp dir, or a new PostgreSQL schema) with services and a pool. */
export async function openBenchStore(
  kind: StoreKind,
  postgresUrl: string,
  settings: Partial<typeof benchSettings> = {},
): Promise<BenchStore> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'signoff-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const db =
    kind === 'sqlite'
      ? createSqliteDriver(path.join(dataDir, 'signoff.db'))
      : createPostgresDriver(postgresUrl, { schema });
  const store = createSqlStore(db);
  await store.migrate();
  const services = await createServices({
    store,
    bus: createMemoryBus(),
    clock: systemClock,
    log: quiet,
    settings: { ...benchSettings, ...settings },
    background: false,
  });
  const created = await services.pools.create({ name: 'bench' });
  if (!created.ok) throw new Error('pool');
  return {
    db,
    services,
    poolId: created.pool.id,
    async close() {
      await services.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (kind === 'postgres') {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      }
    },
  };
}
