// User pools: the tenants everything else is scoped by.
import type { Pool } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { createInsert, first, num, placeholders, type Row, str } from './sql-helpers.ts';

const toPool = (r: Row): Pool => ({
  id: str(r.id),
  name: str(r.name),
  secretHash: str(r.secret_hash),
  signUpEnabled: num(r.sign_up_enabled) === 1,
  createdAt: num(r.created_at),
});

export function createPoolStore(db: SqlDriver): Store['pools'] {
  const insert = createInsert(db);
  return {
    create: (p) =>
      insert(
        `INSERT INTO pools (id, name, secret_hash, sign_up_enabled, created_at) VALUES (${placeholders(5)})`,
        [p.id, p.name, p.secretHash, p.signUpEnabled ? 1 : 0, p.createdAt],
      ),
    get: async (id) => first((await db.query('SELECT * FROM pools WHERE id = $1', [id])).map(toPool)),
    list: async () => (await db.query('SELECT * FROM pools ORDER BY created_at, id')).map(toPool),
    update: async (id, patch) => {
      // The one setting there is; an empty patch reads the pool as it is.
      if (patch.signUpEnabled === undefined) {
        return first((await db.query('SELECT * FROM pools WHERE id = $1', [id])).map(toPool));
      }
      return first(
        (
          await db.query('UPDATE pools SET sign_up_enabled = $2 WHERE id = $1 RETURNING *', [
            id,
            patch.signUpEnabled ? 1 : 0,
          ])
        ).map(toPool),
      );
    },
  };
}
