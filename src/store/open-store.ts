import path from 'node:path';
import type { Config } from '../config.ts';
import { createPostgresDriver, type PostgresOptions } from './postgres/postgres-driver.ts';
import { createSqlStore } from './sql/sql-store.ts';
import { createSqliteDriver } from './sqlite/sqlite-driver.ts';
import type { Store } from './store.ts';

/** PostgreSQL when DATABASE_URL is set, else the embedded SQLite file under the data dir. Migrated. */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  postgres: PostgresOptions = {},
): Promise<Store> {
  const driver = config.databaseUrl
    ? createPostgresDriver(config.databaseUrl, postgres)
    : createSqliteDriver(path.join(config.dataDir, 'signoff.db'));
  const store = createSqlStore(driver);
  await store.migrate();
  return store;
}
