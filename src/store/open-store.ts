import path from 'node:path';
import type { Config } from '../config.ts';
import { createPostgresDriver, type PostgresOptions } from './postgres/postgres-driver.ts';
import { createSqlStore } from './sql/sql-store.ts';
import { createSqliteDriver } from './sqlite/sqlite-driver.ts';
import type { Store } from './store.ts';
import { StoreUnavailableError } from './unavailable.ts';

/** PostgreSQL did not answer the first statement: nothing was read or written. */
export class StoreUnreachableError extends Error {
  override name = 'StoreUnreachableError';
}

/**
 * PostgreSQL when DATABASE_URL is set (in SIGNOFF_DATABASE_SCHEMA when given), else the
 * embedded SQLite file under the data dir. Migrated.
 */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & { databaseSchema?: string | undefined },
  postgres: PostgresOptions = {},
): Promise<Store> {
  const driver = config.databaseUrl
    ? createPostgresDriver(config.databaseUrl, { schema: config.databaseSchema, ...postgres })
    : createSqliteDriver(path.join(config.dataDir, 'signoff.db'));
  const store = createSqlStore(driver);
  try {
    if (store.kind === 'postgres') {
      // Told apart from a failing migration: an unreachable database is the operator's to fix
      // (main.ts exits 69 naming DATABASE_URL), a failing migration is a bug.
      await store.ping().catch((error: unknown) => {
        // The driver's own words name the outage; the operator wants the socket's.
        const cause = error instanceof StoreUnavailableError ? error.cause : error;
        throw new StoreUnreachableError(describeConnectionError(cause), { cause: error });
      });
    }
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

/**
 * An error as one line: Node's connection errors to a name with several addresses (localhost:
 * ::1 and 127.0.0.1) are an AggregateError whose own message is empty.
 */
export function describeConnectionError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map(describeConnectionError))].join('; ');
  }
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
