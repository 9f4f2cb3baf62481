// Applications: OIDC clients and the unit an admin kicks users out of.
import type { AppPatch, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { hashSecret, newId, newSecret } from '../ids.ts';
import type { Actor, App, TokenEndpointAuthMethod } from '../model.ts';
import type { SessionCore } from '../sessions/session-core.ts';

export interface AppInput {
  name: string;
  identifier?: string | null;
  redirectUris?: string[];
  logoutRedirectUris?: string[];
  backchannelLogoutUri?: string | null;
  /** Defaults to client_secret_basic: a confidential app, which also takes client_secret_post. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
}

export function createAppService(deps: { store: Store; core: SessionCore; clock: Clock }) {
  const { store, core, clock } = deps;
  return {
    /** Creates an app; its secret is returned here only, the store keeps a hash. */
    async create(poolId: string, input: AppInput) {
      const now = clock.now();
      const secret = newSecret();
      const app: App = {
        id: newId(),
        poolId,
        name: input.name,
        identifier: input.identifier ?? null,
        secretHash: hashSecret(secret),
        redirectUris: input.redirectUris ?? [],
        logoutRedirectUris: input.logoutRedirectUris ?? [],
        backchannelLogoutUri: input.backchannelLogoutUri ?? null,
        tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
        createdAt: now,
        updatedAt: now,
      };
      const created = await store.apps.create(app);
      if (!created.ok) throw new Error(`app id collision: ${app.id}`);
      return { app, secret };
    },

    get: (poolId: string, appId: string) => store.apps.get(poolId, appId),
    resolve: (appId: string) => store.apps.resolve(appId),
    list: (poolId: string) => store.apps.list(poolId),

    update(poolId: string, appId: string, input: Partial<AppInput>) {
      const patch: AppPatch = { updatedAt: clock.now() };
      if (input.name !== undefined) patch.name = input.name;
      if (input.identifier !== undefined) patch.identifier = input.identifier;
      if (input.redirectUris !== undefined) patch.redirectUris = input.redirectUris;
      if (input.logoutRedirectUris !== undefined) patch.logoutRedirectUris = input.logoutRedirectUris;
      if (input.backchannelLogoutUri !== undefined) patch.backchannelLogoutUri = input.backchannelLogoutUri;
      if (input.tokenEndpointAuthMethod !== undefined)
        patch.tokenEndpointAuthMethod = input.tokenEndpointAuthMethod;
      return store.apps.update(poolId, appId, patch);
    },

    async rotateSecret(poolId: string, appId: string) {
      const secret = newSecret();
      const app = await store.apps.update(poolId, appId, {
        secretHash: hashSecret(secret),
        updatedAt: clock.now(),
      });
      return app ? { app, secret } : null;
    },

    /** Ends every session signed in to the app (reason app_deleted), then removes the app. */
    async delete(poolId: string, appId: string, actor: Actor) {
      if (!(await store.apps.get(poolId, appId))) return false;
      for (let after = ''; ; ) {
        const sessionIds = await store.sessions.listLiveIds(poolId, appId, 1000, after);
        if (sessionIds.length === 0) break;
        after = sessionIds[sessionIds.length - 1]!;
        await core.endSessions({ scope: 'app-sessions', poolId, appId, sessionIds }, 'app_deleted', actor);
      }
      return store.apps.delete(poolId, appId, clock.now());
    },
  };
}

export type AppService = ReturnType<typeof createAppService>;
