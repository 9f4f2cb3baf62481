// What every per-noun part of the SQL store shares: reading column values (both drivers use
// the same column names and types — epoch-ms integers, JSON as text — so one reader serves
// both), numbered placeholders, and an INSERT that reports a unique violation as a value.
import type { SqlDriver } from '../sql-driver.ts';
import type { CreateResult } from '../store.ts';

export type { Row } from '../sql-driver.ts';

export const str = (v: unknown): string => v as string;
export const nstr = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
export const num = (v: unknown): number => Number(v);
export const nnum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const json = <T>(v: unknown): T => JSON.parse(v as string) as T;

/** `$from, $from+1, …`: the placeholders of an INSERT's VALUES. */
export const placeholders = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => `$${i + from}`).join(', ');

export const first = <T>(rows: T[]): T | null => rows[0] ?? null;

/** A `count(*) AS n` result as a number. */
export const countOf = (rows: { n?: unknown }[]): number => Number(rows[0]?.n ?? 0);

/**
 * An INSERT whose unique violation is an outcome, not a fault: which unique index it hit tells
 * the domain whether the id, the username or the email is taken.
 */
export function createInsert(db: SqlDriver) {
  return async function insert(sql: string, params: unknown[]): Promise<CreateResult> {
    try {
      await db.query(sql, params);
      return { ok: true };
    } catch (error) {
      const index = db.uniqueViolation(error);
      if (index === null) throw error;
      if (index.includes('email')) return { ok: false, conflict: 'email' };
      if (index.includes('username')) return { ok: false, conflict: 'username' };
      return { ok: false, conflict: 'id' };
    }
  };
}
