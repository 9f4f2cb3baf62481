// The embedded store: node:sqlite (built into Node 24, no native addon) in WAL mode.
// Statements run synchronously, so a transaction is made exclusive by a queue: while one is
// open, every other statement of this process waits for it (otherwise an `await` inside the
// transaction would let another request's statement run inside it).
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { readMigrations } from '../migrations.ts';
import type { Query, Row, SqlDriver } from '../sql-driver.ts';

const MIGRATIONS = path.join(import.meta.dirname, 'migrations');

export function createSqliteDriver(file: string): SqlDriver {
  // The database holds private signing keys: only the server's user may read it.
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(file);
  if (file !== ':memory:') chmodSync(file, 0o600);
  db.exec('PRAGMA journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (kill -9) without an fsync per commit; only
  // an OS crash or power loss can lose the last commits. See docs/operations.md.
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  // Planner statistics: SQLite keeps none unless asked, and without them it picks the wrong
  // index for bulk ends once tables grow (measured 40× slower per batch at 100,000 sessions).
  // SQLite's advice for long-lived connections: optimize at open, then periodically (hourly,
  // from the services). Exact statistics (no analysis limit): with a limit of 1,000 rows the
  // estimates misled the planner on a 30,000-session kick (0.50 s became 1.35 s).
  db.exec('PRAGMA analysis_limit = 0');

  // Prepared once per SQL text, with whether it yields rows (columns() allocates: ~13 µs).
  const statements = new Map<string, { statement: StatementSync; yieldsRows: boolean }>();
  function run(sql: string, params: unknown[] = []): Row[] {
    let prepared = statements.get(sql);
    if (!prepared) {
      // PostgreSQL's $n placeholders are SQLite's ?n: same numbering, same reuse.
      const statement = db.prepare(sql.replace(/\$(\d+)/g, '?$1'));
      prepared = { statement, yieldsRows: statement.columns().length > 0 };
      statements.set(sql, prepared);
    }
    const values = params as SQLInputValue[];
    if (!prepared.yieldsRows) {
      prepared.statement.run(...values);
      return [];
    }
    return prepared.statement.all(...values) as Row[];
  }

  let queue: Promise<unknown> = Promise.resolve();
  let inTransaction = false;

  const query: Query = async (sql, params) => {
    // Re-check after each wait: another transaction may have started in the meantime.
    while (inTransaction) await queue;
    return run(sql, params);
  };

  async function transaction<T>(work: (q: Query) => Promise<T>): Promise<T> {
    const previous = queue;
    let release!: () => void;
    queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    inTransaction = true;
    try {
      run('BEGIN IMMEDIATE');
      try {
        const result = await work(async (sql, params) => run(sql, params));
        run('COMMIT');
        return result;
      } catch (error) {
        run('ROLLBACK');
        throw error;
      }
    } finally {
      inTransaction = false;
      release();
    }
  }

  return {
    kind: 'sqlite',
    query,
    transaction,
    inList: (column, p) => `${column} IN (SELECT value FROM json_each(${p}))`,
    listParam: (values) => JSON.stringify(values),
    jsonRows: (p, alias, columns) =>
      `(SELECT ${Object.keys(columns)
        .map((name) => `value ->> '${name}' AS ${name}`)
        .join(', ')} FROM json_each(${p})) AS ${alias}`,
    skipLocked: '',
    useIndex: (name) => ` INDEXED BY ${name}`,
    notLeading: (column) => `+${column}`,
    randomId: 'lower(hex(randomblob(16)))',
    uniqueViolation(error) {
      const e = error as { errcode?: number; message?: string };
      // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY
      if (e.errcode !== 2067 && e.errcode !== 1555) return null;
      return e.message ?? 'unique';
    },
    async migrate() {
      run(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)',
      );
      const applied = new Set(run('SELECT version FROM schema_migrations').map((r) => Number(r.version)));
      for (const m of readMigrations(MIGRATIONS)) {
        if (applied.has(m.version)) continue;
        await transaction(async () => {
          db.exec(m.sql);
          run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            Date.now(),
          ]);
        });
      }
    },
    async optimize() {
      while (inTransaction) await queue;
      db.exec('PRAGMA optimize');
    },
    async close() {
      await queue;
      db.close();
    },
  };
}
