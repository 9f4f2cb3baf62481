// The scale-out store: PostgreSQL through `pg`. Migrations take an advisory lock so that
// several nodes starting at once apply each migration exactly once.
import path from 'node:path';
import pg from 'pg';
import { readMigrations } from '../migrations.ts';
import type { Query, Row, SqlDriver } from '../sql-driver.ts';
import { asStoreError } from '../unavailable.ts';

const MIGRATIONS = path.join(import.meta.dirname, 'migrations');
const MIGRATION_LOCK = 0x5167_0ff; // any constant shared by every Signoff node

// BIGINT (int8) and COUNT come back as strings by default; every integer we keep fits a double.
const INT8 = 20;
const typeParser = (oid: number, format?: string) =>
  oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text');

export interface PostgresOptions {
  /**
   * A schema to work in (created if missing): SIGNOFF_DATABASE_SCHEMA, so that deployments can
   * share a database; tests use one schema per run.
   */
  schema?: string | undefined;
  max?: number;
  /** How long opening a connection may take (and waiting for a free one); 10 seconds by default. */
  connectTimeoutMs?: number;
  /**
   * An idle connection failed (the server restarted, an administrator ended it): the pool drops
   * it and opens another when needed. Unheard, pg's `error` event would end the process.
   */
  onIdleError?: (error: unknown) => void;
}

export function createPostgresDriver(connectionString: string, options: PostgresOptions = {}): SqlDriver {
  const schema = options.schema;
  // Interpolated into SQL below: only plain identifiers (config.ts says so to the operator).
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`bad schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    // Without it a server that does not answer (a firewall dropping packets) stalls the start
    // and every query for as long as the kernel keeps trying.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // TCP keep-alive: a connection whose server vanished without a word (a host that died, a
    // dropped route) is found dead instead of waited on for the kernel's retransmissions.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });

  pool.on('error', (error) => options.onIdleError?.(error));

  // Connection failures leave here as StoreUnavailableError (src/store/unavailable.ts): the
  // HTTP layer answers them 503 / 5031 and background work waits, instead of a 500 each.
  const query: Query = async (sql, params = []) => {
    try {
      return (await pool.query(sql, params)).rows as Row[];
    } catch (error) {
      throw asStoreError(error);
    }
  };

  async function transaction<T>(work: (q: Query) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw asStoreError(error);
    }
    // A checked-out client is not the pool's to watch: a connection that dies between two
    // statements of the transaction would otherwise emit an unheard 'error' and end the process.
    let broken: unknown = null;
    const onError = (error: unknown) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      try {
        const result = await work(
          async (sql, params = []) => (await client.query(sql, params)).rows as Row[],
        );
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // On a dead connection ROLLBACK fails too (the server rolls back by itself): the
        // statement's own error is the one to report.
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken ??= rollbackError;
        });
        throw error;
      }
    } catch (error) {
      // A COMMIT cut off is answered 503 although it may have committed: a client that
      // retries a logout ends nothing twice, and nothing was answered 200 that is not durable.
      throw asStoreError(error);
    } finally {
      client.removeListener('error', onError);
      // A broken client is destroyed rather than handed to the next request.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  return {
    kind: 'postgres',
    query,
    transaction,
    inList: (column, p) => `${column} = ANY(${p}::text[])`,
    listParam: (values) => values,
    jsonRows: (p, alias, columns) =>
      `json_to_recordset(${p}::json) AS ${alias}(${Object.entries(columns)
        .map(([name, type]) => `${name} ${type === 'integer' ? 'bigint' : 'text'}`)
        .join(', ')})`,
    skipLocked: ' FOR UPDATE SKIP LOCKED',
    useIndex: () => '',
    notLeading: (column) => column,
    randomId: "replace(CAST(gen_random_uuid() AS TEXT), '-', '')",
    uniqueViolation(error) {
      const e = error as { code?: string; constraint?: string };
      return e.code === '23505' ? (e.constraint ?? 'unique') : null;
    },
    async migrate() {
      const client = await pool.connect().catch((error: unknown) => {
        throw asStoreError(error);
      });
      // As in transaction(): a checked-out client's 'error' must be heard (the failing query
      // reports it).
      const onError = () => {};
      client.on('error', onError);
      try {
        if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at BIGINT)',
        );
        const applied = new Set(
          (await client.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
        );
        for (const m of readMigrations(MIGRATIONS)) {
          if (applied.has(m.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(m.sql);
            await client.query(
              'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
              [m.version, m.name, Date.now()],
            );
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
        client.removeListener('error', onError);
        client.release();
      }
    },
    // autovacuum keeps PostgreSQL's statistics current.
    async optimize() {},
    close: () => pool.end(),
  };
}
