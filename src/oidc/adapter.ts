// oidc-provider's storage adapter onto the Signoff store. The library instantiates it once
// per model name; payloads are stored whole and indexed by grant, uid and user code.
//
// One rewrite happens here, on purpose: every `sid` the library writes (on codes, tokens and
// the session's per-client authorizations) becomes the Signoff session id its grant belongs
// to. ID tokens, introspection and Signoff's own back-channel logout tokens then all carry
// the same sid, so an app can match a logout token to the login it ended (OIDC Back-Channel
// Logout 1.0 §2.4). The library itself uses sid only as an opaque value.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';

export interface AdapterDeps {
  store: Store;
  clock: Clock;
  /** The client metadata of an app (oidc-provider's Client model), or null. */
  clientMetadata(clientId: string): Promise<AdapterPayload | null>;
}

export function createAdapterClass(deps: AdapterDeps) {
  const { store, clock } = deps;
  // grant id → Signoff session id; grants are never re-linked, so entries never go stale.
  const sessionOfGrant = new Map<string, string>();

  async function signoffSid(grantId: unknown): Promise<string | null> {
    if (typeof grantId !== 'string') return null;
    const known = sessionOfGrant.get(grantId);
    if (known) return known;
    const link = await store.oidc.grantLink(grantId);
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

  return class SignoffOIDCAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? clock.now() + expiresIn * 1000 : null;
      await store.oidc.upsert(this.model, id, await withSignoffSids(this.model, payload), expiresAt);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      // Clients are Signoff applications, read live: an edit in the API applies at once.
      if (this.model === 'Client') return (await deps.clientMetadata(id)) ?? undefined;
      return ((await store.oidc.find(this.model, id, clock.now())) as AdapterPayload | null) ?? undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (
        ((await store.oidc.findByUid(this.model, uid, clock.now())) as AdapterPayload | null) ?? undefined
      );
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (
        ((await store.oidc.findByUserCode(this.model, userCode, clock.now())) as AdapterPayload | null) ??
        undefined
      );
    }

    async consume(id: string): Promise<void> {
      await store.oidc.consume(this.model, id, clock.now());
    }

    async destroy(id: string): Promise<void> {
      await store.oidc.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.oidc.revokeByGrantId(grantId);
    }
  };
}
