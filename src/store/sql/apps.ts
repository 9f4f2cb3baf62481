// Applications (OIDC clients) of a pool. Deleting one is a soft delete: its sessions end with
// it, and the back-channel outbox still finds its URI to tell it so.
import type { App, TokenEndpointAuthMethod } from '../../domain/model.ts';
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { createInsert, first, json, nstr, num, placeholders, type Row, str } from './sql-helpers.ts';

const APP_COLUMNS =
  'id, pool_id, name, identifier, secret_hash, redirect_uris, logout_redirect_uris, backchannel_logout_uri, token_endpoint_auth_method, ssf_enabled, created_at, updated_at';

const toApp = (r: Row): App => ({
  id: str(r.id),
  poolId: str(r.pool_id),
  name: str(r.name),
  identifier: nstr(r.identifier),
  secretHash: str(r.secret_hash),
  redirectUris: json<string[]>(r.redirect_uris),
  logoutRedirectUris: json<string[]>(r.logout_redirect_uris),
  backchannelLogoutUri: nstr(r.backchannel_logout_uri),
  tokenEndpointAuthMethod: str(r.token_endpoint_auth_method) as TokenEndpointAuthMethod,
  ssfEnabled: num(r.ssf_enabled) === 1,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

/** Column values in the order of APP_COLUMNS. */
const appColumns = (a: App) => [
  a.id,
  a.poolId,
  a.name,
  a.identifier,
  a.secretHash,
  JSON.stringify(a.redirectUris),
  JSON.stringify(a.logoutRedirectUris),
  a.backchannelLogoutUri,
  a.tokenEndpointAuthMethod,
  a.ssfEnabled ? 1 : 0,
  a.createdAt,
  a.updatedAt,
];

export function createAppStore(db: SqlDriver): Store['apps'] {
  const insert = createInsert(db);
  const live = `SELECT ${APP_COLUMNS} FROM apps WHERE deleted_at IS NULL`;
  return {
    create: (a) => insert(`INSERT INTO apps (${APP_COLUMNS}) VALUES (${placeholders(12)})`, appColumns(a)),
    get: async (poolId, id) =>
      first((await db.query(`${live} AND pool_id = $1 AND id = $2`, [poolId, id])).map(toApp)),
    resolve: async (id) => first((await db.query(`${live} AND id = $1`, [id])).map(toApp)),
    list: async (poolId) =>
      (await db.query(`${live} AND pool_id = $1 ORDER BY created_at, id`, [poolId])).map(toApp),
    registeredUris: async () => {
      const uris: string[] = [];
      for (const r of await db.query(
        'SELECT redirect_uris, logout_redirect_uris FROM apps WHERE deleted_at IS NULL',
      )) {
        uris.push(...json<string[]>(r.redirect_uris), ...json<string[]>(r.logout_redirect_uris));
      }
      return uris;
    },
    update: async (poolId, id, patch) => {
      const columns: Record<string, unknown> = {
        name: patch.name,
        identifier: patch.identifier,
        redirect_uris: patch.redirectUris && JSON.stringify(patch.redirectUris),
        logout_redirect_uris: patch.logoutRedirectUris && JSON.stringify(patch.logoutRedirectUris),
        backchannel_logout_uri: patch.backchannelLogoutUri,
        token_endpoint_auth_method: patch.tokenEndpointAuthMethod,
        ssf_enabled: patch.ssfEnabled === undefined ? undefined : patch.ssfEnabled ? 1 : 0,
        secret_hash: patch.secretHash,
        updated_at: patch.updatedAt,
      };
      const entries = Object.entries(columns).filter(([, v]) => v !== undefined);
      const rows = await db.query(
        `UPDATE apps SET ${entries.map(([c], i) => `${c} = $${i + 3}`).join(', ')}
         WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${APP_COLUMNS}`,
        [poolId, id, ...entries.map(([, v]) => v)],
      );
      return first(rows.map(toApp));
    },
    delete: async (poolId, id, at) =>
      (
        await db.query(
          'UPDATE apps SET deleted_at = $3 WHERE pool_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id',
          [poolId, id, at],
        )
      ).length > 0,
  };
}
