// What the SQL store needs from a database: PostgreSQL-style numbered placeholders ($1),
// transactions, a way to pass a list of ids, and a way to recognise a unique violation.
// SQLite and PostgreSQL each fill this in; everything above it is shared.
/** A result row: column name → value, as the driver returns it. */
export type Row = Record<string, unknown>;

export type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  query: Query;
  /** Runs `work` in one transaction; no other statement of this process interleaves with it. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
  /** SQL for "column is one of the values of this list parameter". */
  inList(column: string, placeholder: string): string;
  /** The value to bind for a list parameter. */
  listParam(values: readonly string[]): unknown;
  /**
   * SQL for a FROM item `alias` whose rows are the objects of a JSON array parameter (bound as
   * `JSON.stringify(objects)`), one column per key named in `columns`: a batch of rows in one
   * statement (`UPDATE … FROM`) on both databases.
   */
  jsonRows(placeholder: string, alias: string, columns: Record<string, 'text' | 'integer'>): string;
  /**
   * Appended to a SELECT that picks rows to claim: PostgreSQL's ` FOR UPDATE SKIP LOCKED`, so
   * that nodes claiming at the same moment take different rows instead of queueing on the same
   * ones; empty on SQLite, where one writer at a time holds the database anyway.
   */
  readonly skipLocked: string;
  /**
   * Planner hints where a planner needs them, empty or as is elsewhere. SQLite plans by the
   * statistics it last gathered: on those of an empty outbox it led with the wrong index during
   * a mass logout (bench/README.md (h)); PostgreSQL plans these queries right as written.
   * `useIndex(name)` follows a FROM table (SQLite's INDEXED BY); `notLeading(column)` is a
   * column no index may lead the plan with (SQLite's unary `+`).
   */
  useIndex(name: string): string;
  notLeading(column: string): string;
  /** An SQL expression giving a fresh random 32-hex-digit id per row (set-based inserts). */
  readonly randomId: string;
  /** The name of the unique index a write violated, or null when `error` is something else. */
  uniqueViolation(error: unknown): string | null;
  migrate(): Promise<void>;
  /** Refreshes the query planner's statistics where the database does not do it itself. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}
