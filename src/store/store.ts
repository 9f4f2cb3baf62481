// The storage port. Shaped by what the domain does (end these sessions, list a user's
// devices), not by tables: every driver implements it whole and passes the same contract
// suite (test/store-contract.ts). Every method that reads or writes a pool's data takes the
// pool id and filters by it, so no call can reach across pools.
import type {
  ActiveUser,
  Actor,
  Admin,
  App,
  AppSession,
  BulkLogout,
  DeliveryStatus,
  EndReason,
  LogoutDelivery,
  Pool,
  Session,
  SessionEndRecord,
  SessionWithApps,
  SigningKey,
  TokenEndpointAuthMethod,
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

export interface ConsoleSession {
  secretHash: string;
  adminId: string;
  createdAt: number;
  expiresAt: number;
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
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  secretHash?: string;
  updatedAt: number;
}

/** A delivery taken by a worker, with where to send it. */
export interface DueDelivery extends LogoutDelivery {
  /**
   * The app's back-channel URI as it is now — also for an app deleted since (its users' sessions
   * ended with the deletion, and it is still owed the notice) — or null once it was removed.
   */
  backchannelLogoutUri: string | null;
}

/** One attempt's outcome for `deliveries.markMany`: what the single `mark…` methods write. */
export type DeliveryMark =
  | { poolId: string; id: string; attempts: number; status: 'delivered'; at: number }
  | {
      poolId: string;
      id: string;
      attempts: number;
      status: 'pending';
      nextAttemptAt: number;
      /** null: the row keeps its lastError (a notice given back unsent). */
      error: string | null;
    }
  | { poolId: string; id: string; attempts: number; status: 'failed'; error: string };

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
  /** Keeps the query planner informed as tables grow (run periodically). */
  optimize(): Promise<void>;
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

  /** Console sign-ins: the cookie's secret is never stored, only its hash. */
  consoleSessions: {
    create(session: ConsoleSession): Promise<void>;
    /** The administrator of the session whose secret hashes to `secretHash`, unexpired at `now`. */
    find(secretHash: string, now: number): Promise<Admin | null>;
    delete(secretHash: string): Promise<void>;
    /** Drops sessions expired before `now`. Returns how many. */
    purgeExpired(now: number): Promise<number>;
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
    /**
     * Every redirect and logout redirect URI of every live app, of all pools: the web origins
     * that browsers may call the end-user API from with credentials (CORS). The one other
     * unscoped read: a CORS preflight names no pool.
     */
    registeredUris(): Promise<string[]>;
    update(poolId: string, id: string, patch: AppPatch): Promise<App | null>;
    delete(poolId: string, id: string, at: number): Promise<boolean>;
  };

  users: {
    create(user: User): Promise<CreateResult>;
    get(poolId: string, id: string): Promise<User | null>;
    getMany(poolId: string, ids: string[]): Promise<User[]>;
    /** By username, or by email ignoring case. */
    findByAccount(poolId: string, account: string): Promise<User | null>;
    /**
     * Users whose username or email contains `query` (ignoring case; `%` and `_` are literal),
     * ordered by username then email, at most `limit`.
     */
    search(poolId: string, query: string, limit: number): Promise<User[]>;
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
    /** Users with a live session in an app, most recently active first. */
    listActiveUsersOfApp(
      poolId: string,
      appId: string,
      now: number,
      offset: number,
      limit: number,
    ): Promise<Page<ActiveUser>>;
    /** Whether the user has a live session (in the app, when one is named). */
    isSignedIn(poolId: string, userId: string, appId: string | null, now: number): Promise<boolean>;
    /** How many live sessions a pool has (in one app, when one is named). */
    countLive(poolId: string, appId: string | null): Promise<number>;
    /**
     * Ids of live sessions of a pool, or of live sessions signed in to one app, in id order
     * after `after`: bulk ends page through these.
     */
    listLiveIds(poolId: string, appId: string | null, limit: number, after?: string): Promise<string[]>;
    /** Live sessions whose (idle or absolute) expiry fell in (since, now]. */
    listExpired(since: number, now: number, limit: number): Promise<{ id: string; poolId: string }[]>;
  };

  /**
   * The back-channel logout outbox (rows written by `sessions.end`). Delivery is at least once:
   * a worker claims rows for a lease; a worker that dies mid-send leaves them to be claimed
   * again when the lease runs out, so an app may receive the same notice twice.
   */
  deliveries: {
    /**
     * Atomically takes up to `limit` pending rows due at `now` (any pool: the worker serves all)
     * and pushes their next attempt to `now + leaseMs`, so that no other worker takes them
     * meanwhile. Oldest due first.
     */
    claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]>;
    /** Each `mark…` changes only a row still pending; false when it no longer was. */
    markDelivered(poolId: string, id: string, attempts: number, at: number): Promise<boolean>;
    markRetry(
      poolId: string,
      id: string,
      attempts: number,
      nextAttemptAt: number,
      error: string,
    ): Promise<boolean>;
    markFailed(poolId: string, id: string, attempts: number, error: string): Promise<boolean>;
    /**
     * The marks of a worker's run in one statement, each as its `mark…` method would write it
     * (and only to a row of its pool still pending); for each, whether it changed the row.
     */
    markMany(marks: readonly DeliveryMark[]): Promise<boolean[]>;
    get(poolId: string, id: string): Promise<LogoutDelivery | null>;
    /** An app's deliveries, newest first, optionally of one status. */
    list(
      poolId: string,
      appId: string,
      status: DeliveryStatus | null,
      offset: number,
      limit: number,
    ): Promise<Page<LogoutDelivery>>;
    /**
     * Queues deliveries of an app again, due at `now`, with their attempts, backoff and give-up
     * horizon starting over: every failed one, or the listed ones that are failed or delivered
     * (pending ones are queued already). Returns how many were queued.
     */
    replay(poolId: string, appId: string, which: string[] | 'failed', now: number): Promise<number>;
  };

  /**
   * oidc-provider's models, stored whole (see src/oidc/adapter.ts), each in the pool whose
   * issuer wrote it and found only there. Ids are unique per model. Ending a session deletes
   * what its grants issued, inside `sessions.end`.
   */
  oidc: {
    upsert(
      poolId: string,
      model: string,
      id: string,
      payload: OIDCPayload,
      expiresAt: number | null,
    ): Promise<void>;
    find(poolId: string, model: string, id: string, now: number): Promise<OIDCPayload | null>;
    findByUid(poolId: string, model: string, uid: string, now: number): Promise<OIDCPayload | null>;
    findByUserCode(poolId: string, model: string, userCode: string, now: number): Promise<OIDCPayload | null>;
    consume(poolId: string, model: string, id: string, at: number): Promise<void>;
    destroy(poolId: string, model: string, id: string): Promise<void>;
    revokeByGrantId(poolId: string, grantId: string): Promise<void>;
    /** Ties a grant to the Signoff session and app session it was given in. */
    linkGrant(link: OIDCGrantLink): Promise<void>;
    grantLink(poolId: string, grantId: string): Promise<OIDCGrantLink | null>;
    /** Drops payloads expired before `now` (every pool's). Returns how many. */
    purgeExpired(now: number): Promise<number>;
  };

  bulkLogouts: {
    create(job: BulkLogout): Promise<void>;
    get(poolId: string, id: string): Promise<BulkLogout | null>;
    list(poolId: string, limit: number): Promise<BulkLogout[]>;
    /** Jobs left running (by a node that stopped): they are resumed. */
    listRunning(): Promise<BulkLogout[]>;
    progress(id: string, ended: number, batches: number, at: number): Promise<void>;
    finish(id: string, status: 'done' | 'failed', error: string | null, at: number): Promise<void>;
  };

  audit: {
    listSessionEnds(poolId: string, offset: number, limit: number): Promise<Page<SessionEndRecord>>;
  };
}
