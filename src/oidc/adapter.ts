// oidc-provider's storage adapter onto the Signoff store, one per pool's issuer. The library
// instantiates it once per model name; payloads are stored whole, in the pool, and indexed by
// grant, uid and user code.
//
// Two things happen here on purpose:
// - Every `sid` the library writes (on codes, tokens and the session's per-client
//   authorizations) becomes the Signoff session id its grant belongs to. ID tokens,
//   introspection, Signoff's access tokens and its back-channel logout tokens then all carry
//   the same sid, so an app can match a logout token to the login it ended (OIDC Back-Channel
//   Logout 1.0 §2.4). The library itself uses sid only as an opaque value.
// - Access tokens: apps hold Signoff's RFC 9068 JWTs, never the library's opaque handle
//   (src/oidc/access-tokens.ts). A handle is found only in the marked form that the JWT's
//   translation produces, so the bare handle (which is the JWT's `jti`, and may be logged) is
//   worth nothing on its own.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';
import { HANDLE_MODELS, handleOfTranslated } from './access-tokens.ts';

export interface AdapterDeps {
  store: Store;
  clock: Clock;
  poolId: string;
  /** The client metadata of an app of this pool (oidc-provider's Client model), or null. */
  clientMetadata(clientId: string): Promise<AdapterPayload | null>;
}

export function createAdapterClass(deps: AdapterDeps) {
  const { store, clock, poolId } = deps;
  // grant id → Signoff session id; grants are never re-linked, so entries never go stale.
  const sessionOfGrant = new Map<string, string>();

  async function signoffSid(grantId: unknown): Promise<string | null> {
    if (typeof grantId !== 'string') return null;
    const known = sessionOfGrant.get(grantId);
    if (known) return known;
    const link = await store.oidc.grantLink(poolId, grantId);
    if (!link) return null;
    if (sessionOfGrant.size > 100_000) sessionOfGrant.clear();
    sessionOfGrant.set(grantId, link.sessionId);
    return link.sessionId;
  }

  async function withSignoffSids(model: string, payload: AdapterPayload): Promise<AdapterPayload> {
    const copy: AdapterPayload = { ...payload };
    if (typeof copy.sid === 'string') copy.sid = (await signoffSid(copy.grantId)) ?? copy.sid;
    if (model === 'Session' && copy.authorizations) {
      const authorizations: NonNullable<AdapterPayload['authorizations']> = {};
      for (const [clientId, auth] of Object.entries(copy.authorizations)) {
        authorizations[clientId] = { ...auth, sid: (await signoffSid(auth.grantId)) ?? auth.sid };
      }
      copy.authorizations = authorizations;
    }
    return copy;
  }

  const found = (payload: unknown) => (payload as AdapterPayload | null) ?? undefined;

  return class SignoffOIDCAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? clock.now() + expiresIn * 1000 : null;
      await store.oidc.upsert(poolId, this.model, id, await withSignoffSids(this.model, payload), expiresAt);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      // Clients are Signoff applications, read live: an edit in the API applies at once.
      if (this.model === 'Client') return (await deps.clientMetadata(id)) ?? undefined;
      if (HANDLE_MODELS.has(this.model)) {
        const handle = handleOfTranslated(id);
        return handle === null
          ? undefined
          : found(await store.oidc.find(poolId, this.model, handle, clock.now()));
      }
      return found(await store.oidc.find(poolId, this.model, id, clock.now()));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return found(await store.oidc.findByUid(poolId, this.model, uid, clock.now()));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return found(await store.oidc.findByUserCode(poolId, this.model, userCode, clock.now()));
    }

    async consume(id: string): Promise<void> {
      await store.oidc.consume(poolId, this.model, id, clock.now());
    }

    async destroy(id: string): Promise<void> {
      await store.oidc.destroy(poolId, this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.oidc.revokeByGrantId(poolId, grantId);
    }
  };
}
