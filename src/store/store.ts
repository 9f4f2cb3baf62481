// The storage port. Shaped by what the domain does (end these sessions, list a user's
// devices), not by tables: every driver implements it whole and passes the same contract
// suite (test/store-contract.ts). Every method that reads or writes a pool's data takes the
// pool id and filters by it, so no call can reach across pools.
import type {
  Actor,
  Admin,
  App,
  AppSession,
  EndReason,
  Pool,
  Session,
  SessionEndRecord,
  SessionWithApps,
  SigningKey,
  User,
} from '../domain/model.ts';

/** Which sessions to end. Whole-session scopes end every app session of the session too. */
export type EndSelector =
  | { scope: 'sessions'; poolId: string; sessionIds: string[] }
  | { scope: 'users'; poolId: string; userIds: string[]; exceptSessionId?: string }
  | { scope: 'app-users'; poolId: string; appId: string; userIds: string[] }
  | { scope: 'app-sessions'; poolId: string; appId: string; sessionIds: string[] };

export interface EndMeta {
  at: number;
  reason: EndReason;
  actor: Actor;
  /** Id of the audit record written with the end. */
  recordId: string;
}

export interface EndOutcome {
  /**
   * What every node adds to its revocation index: the ids of the sessions ended whole, or of
   * the app sessions ended for an app-scoped selector.
   */
  revoked: string[];
  /** Sessions touched: ended whole, or ended in the app. */
  sessions: number;
  /** App sessions that ended with them (an app session of an ended session ends with it). */
  appSessions: number;
  /** Back-channel logout deliveries queued in the same transaction. */
  deliveries: number;
  /** The audit record, or null when nothing was live (nothing is written then). */
  record: SessionEndRecord | null;
}

export interface Page<T> {
  totalCount: number;
  list: T[];
}

export type CreateResult = { ok: true } | { ok: false; conflict: 'id' | 'username' | 'email' };

export interface AppPatch {
  name?: string;
  identifier?: string | null;
  redirectUris?: string[];
  logoutRedirectUris?: string[];
  backchannelLogoutUri?: string | null;
  secretHash?: string;
  updatedAt: number;
}

/** An oidc-provider model payload: JSON as the library wrote it (plus `consumed` when consumed). */
export type OIDCPayload = Record<string, unknown>;

export interface OIDCGrantLink {
  grantId: string;
  poolId: string;
  sessionId: string;
  appSessionId: string;
  createdAt: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;

  pools: {
    create(pool: Pool): Promise<CreateResult>;
    get(id: string): Promise<Pool | null>;
    list(): Promise<Pool[]>;
  };

  admins: {
    create(admin: Admin): Promise<CreateResult>;
    findByEmail(email: string): Promise<Admin | null>;
    count(): Promise<number>;
  };

  apps: {
    create(app: App): Promise<CreateResult>;
    get(poolId: string, id: string): Promise<App | null>;
    /**
     * An app by id alone. The one unscoped read: end-user routes name only the app (Kontenbase's
     * apiKey, Authing's x-authing-app-id), and the app is what tells the pool.
     */
    resolve(id: string): Promise<App | null>;
    list(poolId: string): Promise<App[]>;
    update(poolId: string, id: string, patch: AppPatch): Promise<App | null>;
    delete(poolId: string, id: string, at: number): Promise<boolean>;
  };

  users: {
    create(user: User): Promise<CreateResult>;
    get(poolId: string, id: string): Promise<User | null>;
    /** By username, or by email ignoring case. */
    findByAccount(poolId: string, account: string): Promise<User | null>;
    delete(poolId: string, id: string, at: number): Promise<boolean>;
  };

  keys: {
    create(key: SigningKey): Promise<void>;
    /** Every key that may still verify a token: unretired, or retired after `since`. */
    listUsable(since: number): Promise<SigningKey[]>;
    retire(poolId: string, kid: string, at: number): Promise<void>;
  };

  sessions: {
    create(session: Session, appSession: AppSession | null): Promise<void>;
    addApp(appSession: AppSession): Promise<void>;
    /** The live session whose cookie secret hashes to `secretHash`, not expired at `now`. */
    findBySecretHash(secretHash: string, now: number): Promise<Session | null>;
    get(poolId: string, id: string): Promise<SessionWithApps | null>;
    listOfUser(poolId: string, userId: string, now: number): Promise<SessionWithApps[]>;
    /** The newest app session of a session in an app, live or ended. */
    latestAppSession(poolId: string, sessionId: string, appId: string): Promise<AppSession | null>;
    /** Records activity on a session (and on one of its app sessions) and pushes back its idle expiry. */
    touch(
      poolId: string,
      sessionId: string,
      appSessionId: string | null,
      at: number,
      idleExpiresAt: number,
    ): Promise<void>;
    /** Records a fresh password proof on a live session. */
    recordAuthentication(poolId: string, sessionId: string, at: number): Promise<void>;
    /**
     * The session core's write. In one transaction: marks the selected live sessions (or app
     * sessions) ended, queues one back-channel delivery per app session ending with them whose
     * app has a back-channel URI, and writes the audit record with the revoked ids.
     */
    end(selector: EndSelector, meta: EndMeta): Promise<EndOutcome>;
    /** Ids revoked by ends recorded at or after `since`: what the revocation index holds. */
    listEndedSince(since: number): Promise<{ id: string; endedAt: number }[]>;
    /** Ids of live sessions of a pool, or of live sessions signed in to one app: bulk ends page through these. */
    listLiveIds(poolId: string, appId: string | null, limit: number): Promise<string[]>;
    /** Live sessions whose (idle or absolute) expiry fell in (since, now]. */
    listExpired(since: number, now: number, limit: number): Promise<{ id: string; poolId: string }[]>;
  };

  /**
   * oidc-provider's models, stored whole (see src/oidc/adapter.ts). Ids are unique per model.
   * Ending a session deletes what its grants issued, inside `sessions.end`.
   */
  oidc: {
    upsert(model: string, id: string, payload: OIDCPayload, expiresAt: number | null): Promise<void>;
    find(model: string, id: string, now: number): Promise<OIDCPayload | null>;
    findByUid(model: string, uid: string, now: number): Promise<OIDCPayload | null>;
    findByUserCode(model: string, userCode: string, now: number): Promise<OIDCPayload | null>;
    consume(model: string, id: string, at: number): Promise<void>;
    destroy(model: string, id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
    /** Ties a grant to the Signoff session and app session it was given in. */
    linkGrant(link: OIDCGrantLink): Promise<void>;
    grantLink(grantId: string): Promise<OIDCGrantLink | null>;
    /** Drops payloads expired before `now`. Returns how many. */
    purgeExpired(now: number): Promise<number>;
  };

  audit: {
    listSessionEnds(poolId: string, offset: number, limit: number): Promise<Page<SessionEndRecord>>;
  };
}
