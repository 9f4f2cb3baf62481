// Console administrators and their sign-ins. A console session is stored by the hash of its
// cookie's secret, never the secret itself.
import type { Admin } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { countOf, createInsert, first, num, placeholders, type Row, str } from './sql-helpers.ts';

const toAdmin = (r: Row): Admin => ({
  id: str(r.id),
  email: str(r.email),
  passwordHash: str(r.password_hash),
  createdAt: num(r.created_at),
});

export function createAdminStore(db: SqlDriver): Store['admins'] {
  const insert = createInsert(db);
  return {
    create: (a) =>
      insert(`INSERT INTO admins (id, email, password_hash, created_at) VALUES (${placeholders(4)})`, [
        a.id,
        a.email,
        a.passwordHash,
        a.createdAt,
      ]),
    findByEmail: async (email) =>
      first((await db.query('SELECT * FROM admins WHERE email = $1', [email])).map(toAdmin)),
    count: async () => countOf(await db.query('SELECT count(*) AS n FROM admins')),
  };
}

export function createConsoleSessionStore(db: SqlDriver): Store['consoleSessions'] {
  return {
    create: async (c) => {
      await db.query(
        `INSERT INTO console_sessions (secret_hash, admin_id, created_at, expires_at) VALUES (${placeholders(4)})`,
        [c.secretHash, c.adminId, c.createdAt, c.expiresAt],
      );
    },
    find: async (secretHash, now) =>
      first(
        (
          await db.query(
            `SELECT a.* FROM console_sessions c JOIN admins a ON a.id = c.admin_id
             WHERE c.secret_hash = $1 AND c.expires_at > $2`,
            [secretHash, now],
          )
        ).map(toAdmin),
      ),
    delete: async (secretHash) => {
      await db.query('DELETE FROM console_sessions WHERE secret_hash = $1', [secretHash]);
    },
    purgeExpired: async (now) =>
      (await db.query('DELETE FROM console_sessions WHERE expires_at <= $1 RETURNING secret_hash', [now]))
        .length,
  };
}
