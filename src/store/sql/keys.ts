// Signing keys, per pool. A retired key stays readable while tokens it signed may be presented.
import type { SigningKey } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { json, nnum, num, placeholders, type Row, str } from './sql-helpers.ts';

const KEY_COLUMNS = 'kid, pool_id, alg, private_jwk, public_jwk, created_at, retired_at';

const toKey = (r: Row): SigningKey => ({
  kid: str(r.kid),
  poolId: str(r.pool_id),
  alg: 'RS256',
  privateJwk: json<JsonWebKey>(r.private_jwk),
  publicJwk: json<JsonWebKey>(r.public_jwk),
  createdAt: num(r.created_at),
  retiredAt: nnum(r.retired_at),
});

export function createKeyStore(db: SqlDriver): Store['keys'] {
  return {
    create: async (k) => {
      await db.query(`INSERT INTO signing_keys (${KEY_COLUMNS}) VALUES (${placeholders(7)})`, [
        k.kid,
        k.poolId,
        k.alg,
        JSON.stringify(k.privateJwk),
        JSON.stringify(k.publicJwk),
        k.createdAt,
        k.retiredAt,
      ]);
    },
    listUsable: async (since) =>
      (
        await db.query(
          `SELECT ${KEY_COLUMNS} FROM signing_keys WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at, kid`,
          [since],
        )
      ).map(toKey),
    retire: async (poolId, kid, at) => {
      await db.query(
        'UPDATE signing_keys SET retired_at = $3 WHERE pool_id = $1 AND kid = $2 AND retired_at IS NULL',
        [poolId, kid, at],
      );
    },
  };
}
