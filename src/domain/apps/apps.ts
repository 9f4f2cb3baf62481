// Applications: OIDC clients and the unit an admin kicks users out of.
import type { AppPatch, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { hashSecret, newId, newSecret } from '../ids.ts';
import type { Actor, App, TokenEndpointAuthMethod } from '../model.ts';
import { checkNoticeTarget } from '../notices/notice-target.ts';
import type { SessionCore } from '../sessions/session-core.ts';

export interface AppInput {
  name: string;
  identifier?: string | null;
  redirectUris?: string[];
  logoutRedirectUris?: string[];
  backchannelLogoutUri?: string | null;
  /** Defaults to client_secret_basic: a confidential app, which also takes client_secret_post. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** Default true: a confidential app may be a Shared Signals receiver. */
  ssfEnabled?: boolean;
}

/** An input refused for what it would do, not for its form: `problem` follows the field's name. */
export interface AppInputRefused {
  ok: false;
  reason: 'invalid';
  field: 'backchannelLogoutUri';
  problem: string;
}

export interface AppSettings {
  /** SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: back-channel URIs may point to private addresses. */
  backchannelAllowPrivate: boolean;
}

export function createAppService(deps: {
  store: Store;
  core: SessionCore;
  clock: Clock;
  settings: AppSettings;
}) {
  const { store, core, clock, settings } = deps;

  /** A back-channel URI that no notice could be delivered to is refused before anything is written. */
  async function refusal(input: Partial<AppInput>): Promise<AppInputRefused | null> {
    if (!input.backchannelLogoutUri) return null;
    const problem = await checkNoticeTarget(input.backchannelLogoutUri, {
      allowPrivate: settings.backchannelAllowPrivate,
    });
    return problem ? { ok: false, reason: 'invalid', field: 'backchannelLogoutUri', problem } : null;
  }

  // The registered web origins change only when an app does; a few seconds of staleness (on
  // this node, or after another node's edit) only delays a new app's first cross-origin call.
  let origins: { set: ReadonlySet<string>; at: number } | null = null;
  const ORIGINS_TTL_MS = 5000;

  return {
    /**
     * The origins of every app's registered redirect and logout URIs (all pools): where a
     * browser may call the end-user API from with its session cookie.
     */
    async registeredOrigins(): Promise<ReadonlySet<string>> {
      const now = clock.now();
      if (!origins || now - origins.at > ORIGINS_TTL_MS || now < origins.at) {
        const set = new Set<string>();
        for (const uri of await store.apps.registeredUris()) {
          const origin = URL.parse(uri)?.origin;
          if (origin && origin !== 'null') set.add(origin);
        }
        origins = { set, at: now };
      }
      return origins.set;
    },

    /** Creates an app; its secret is returned here only, the store keeps a hash. */
    async create(
      poolId: string,
      input: AppInput,
    ): Promise<{ ok: true; app: App; secret: string } | AppInputRefused> {
      const refused = await refusal(input);
      if (refused) return refused;
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
        ssfEnabled: input.ssfEnabled ?? true,
        createdAt: now,
        updatedAt: now,
      };
      const created = await store.apps.create(app);
      if (!created.ok) throw new Error(`app id collision: ${app.id}`);
      return { ok: true, app, secret };
    },

    get: (poolId: string, appId: string) => store.apps.get(poolId, appId),
    resolve: (appId: string) => store.apps.resolve(appId),
    list: (poolId: string) => store.apps.list(poolId),

    /** App id → name, for pages that name the apps a session is signed in to. */
    names: async (poolId: string): Promise<ReadonlyMap<string, string>> =>
      new Map((await store.apps.list(poolId)).map((a) => [a.id, a.name])),

    /** Changes what the input names; a refused input changes nothing. */
    async update(
      poolId: string,
      appId: string,
      input: Partial<AppInput>,
    ): Promise<{ ok: true; app: App } | { ok: false; reason: 'not_found' } | AppInputRefused> {
      const refused = await refusal(input);
      if (refused) return refused;
      const patch: AppPatch = { updatedAt: clock.now() };
      if (input.name !== undefined) patch.name = input.name;
      if (input.identifier !== undefined) patch.identifier = input.identifier;
      if (input.redirectUris !== undefined) patch.redirectUris = input.redirectUris;
      if (input.logoutRedirectUris !== undefined) patch.logoutRedirectUris = input.logoutRedirectUris;
      if (input.backchannelLogoutUri !== undefined) patch.backchannelLogoutUri = input.backchannelLogoutUri;
      if (input.tokenEndpointAuthMethod !== undefined)
        patch.tokenEndpointAuthMethod = input.tokenEndpointAuthMethod;
      if (input.ssfEnabled !== undefined) patch.ssfEnabled = input.ssfEnabled;
      const app = await store.apps.update(poolId, appId, patch);
      return app ? { ok: true, app } : { ok: false, reason: 'not_found' };
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
