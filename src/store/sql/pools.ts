// User pools: the tenants everything else is scoped by.
import type { Pool } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { createInsert, first, num, placeholders, type Row, str } from './sql-helpers.ts';

const toPool = (r: Row): Pool => ({
  id: str(r.id),
  name: str(r.name),
  secretHash: str(r.secret_hash),
  createdAt: num(r.created_at),
});

export function createPoolStore(db: SqlDriver): Store['pools'] {
  const insert = createInsert(db);
  return {
    create: (p) =>
      insert(`INSERT INTO pools (id, name, secret_hash, created_at) VALUES (${placeholders(4)})`, [
        p.id,
        p.name,
        p.secretHash,
        p.createdAt,
      ]),
    get: async (id) => first((await db.query('SELECT * FROM pools WHERE id = $1', [id])).map(toPool)),
    list: async () => (await db.query('SELECT * FROM pools ORDER BY created_at, id')).map(toPool),
  };
}
