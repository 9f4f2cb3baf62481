// oidc-provider's models, stored whole as the library wrote them (see src/oidc/adapter.ts),
// with the columns it looks them up by pulled out; and the links from its grants to the
// Signoff sessions they were given in, which is how a session end finds what to delete. Each
// pool is an issuer of its own: an artifact is found only in the pool that wrote it.
import type { SqlDriver } from '../sql-driver.ts';
import type { OIDCPayload, Store } from '../store.ts';
import type { Row } from './sql-helpers.ts';

const SELECT =
  'SELECT payload, consumed_at FROM oidc_payloads WHERE pool_id = $1 AND model = $2 AND (expires_at IS NULL OR expires_at > $3)';

function toPayload(rows: Row[]): OIDCPayload | null {
  const row = rows[0];
  if (!row) return null;
  const payload = JSON.parse(row.payload as string) as OIDCPayload;
  // oidc-provider reads `consumed` (seconds) to refuse a code or token used twice.
  if (row.consumed_at !== null && row.consumed_at !== undefined) {
    payload.consumed = Math.floor(Number(row.consumed_at) / 1000);
  }
  return payload;
}

export function createOIDCStore(db: SqlDriver): Store['oidc'] {
  return {
    upsert: async (poolId, model, id, payload, expiresAt) => {
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      // The update keeps the row's pool: an id another pool wrote is never taken over.
      await db.query(
        `INSERT INTO oidc_payloads (pool_id, model, id, payload, grant_id, uid, user_code, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at
         WHERE oidc_payloads.pool_id = excluded.pool_id`,
        [
          poolId,
          model,
          id,
          JSON.stringify(payload),
          str(payload.grantId),
          str(payload.uid),
          str(payload.userCode),
          expiresAt,
        ],
      );
    },
    find: async (poolId, model, id, now) =>
      toPayload(await db.query(`${SELECT} AND id = $4`, [poolId, model, now, id])),
    findByUid: async (poolId, model, uid, now) =>
      toPayload(await db.query(`${SELECT} AND uid = $4`, [poolId, model, now, uid])),
    findByUserCode: async (poolId, model, userCode, now) =>
      toPayload(await db.query(`${SELECT} AND user_code = $4`, [poolId, model, now, userCode])),
    consume: async (poolId, model, id, at) => {
      await db.query(
        'UPDATE oidc_payloads SET consumed_at = $4 WHERE pool_id = $1 AND model = $2 AND id = $3',
        [poolId, model, id, at],
      );
    },
    destroy: async (poolId, model, id) => {
      await db.query('DELETE FROM oidc_payloads WHERE pool_id = $1 AND model = $2 AND id = $3', [
        poolId,
        model,
        id,
      ]);
    },
    revokeByGrantId: async (poolId, grantId) => {
      await db.query('DELETE FROM oidc_payloads WHERE pool_id = $1 AND grant_id = $2', [poolId, grantId]);
    },
    linkGrant: async (l) => {
      await db.query(
        `INSERT INTO oidc_grants (grant_id, pool_id, session_id, app_session_id, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (grant_id) DO NOTHING`,
        [l.grantId, l.poolId, l.sessionId, l.appSessionId, l.createdAt],
      );
    },
    grantLink: async (poolId, grantId) => {
      const row = (
        await db.query('SELECT * FROM oidc_grants WHERE pool_id = $1 AND grant_id = $2', [poolId, grantId])
      )[0];
      return row
        ? {
            grantId: row.grant_id as string,
            poolId: row.pool_id as string,
            sessionId: row.session_id as string,
            appSessionId: row.app_session_id as string,
            createdAt: Number(row.created_at),
          }
        : null;
    },
    purgeExpired: async (now) =>
      (await db.query('DELETE FROM oidc_payloads WHERE expires_at <= $1 RETURNING id', [now])).length,
  };
}
