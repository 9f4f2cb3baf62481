// The storage port, one group of methods per noun (the shapes they take and give are in
// store-records.ts). Shaped by what the domain does (end these sessions, list a user's
// devices), not by tables: every driver implements it whole and passes the same contract
// suite (test/store/store-contract.ts). Every method that reads or writes a pool's data takes the
// pool id and filters by it, so no call can reach across pools.
import type {
  ActiveUser,
  Admin,
  App,
  AppSession,
  BulkLogout,
  CredentialChange,
  DeliveryStatus,
  LogoutDelivery,
  Pool,
  Session,
  SessionEndRecord,
  SessionWithApps,
  SigningKey,
  User,
} from '../domain/model.ts';
import type { SsfStore } from './ssf-store.ts';
import type {
  AppName,
  AppPatch,
  BulkLogoutLease,
  ConsoleSession,
  CreateResult,
  DeliveryMark,
  DueDelivery,
  DuePushedSet,
  EndedUsers,
  EndMeta,
  EndOutcome,
  EndSelector,
  EndsInHour,
  LiveOfApp,
  NoticeCounts,
  OIDCGrantLink,
  OIDCPayload,
  Page,
  PasswordWrite,
  PasswordWriteOutcome,
  PoolPatch,
  ProfilePatch,
  ProfileUpdate,
  Revocation,
  UserName,
} from './store-records.ts';

export type * from './ssf-store.ts';
export type * from './store-records.ts';

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  /** One trivial statement: throws when the database cannot be reached (GET /ready). */
  ping(): Promise<void>;
  /** Keeps the query planner informed as tables grow (run periodically). */
  optimize(): Promise<void>;
  close(): Promise<void>;

  pools: {
    create(pool: Pool): Promise<CreateResult>;
    get(id: string): Promise<Pool | null>;
    list(): Promise<Pool[]>;
    /** Changes a pool's settings; null when there is no such pool. */
    update(id: string, patch: PoolPatch): Promise<Pool | null>;
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
    /**
     * A page of the pool's users, newest first; with a query, those whose username or email
     * contains it (as `search`).
     */
    list(poolId: string, query: string | null, offset: number, limit: number): Promise<Page<User>>;
    /** Changes a live user's username, email or name; a value another user holds is refused. */
    updateProfile(poolId: string, id: string, patch: ProfilePatch): Promise<ProfileUpdate>;
    /** Deletes a user, queueing RISC account-purged on the streams of the apps they used. */
    delete(poolId: string, id: string, at: number): Promise<{ deleted: boolean; apps: string[] }>;
    /**
     * Writes a user's new password hash, in one transaction with: the audit record of the
     * change (`credential_changes`), CAEP credential-change SETs on the streams of every app the
     * user ever signed in to, and — when `end` is given — the session end the change asks for
     * (the same write as `sessions.end`, with `end.meta.recordId` the change's id). A change
     * that promises to sign the other devices out is never committed without it.
     */
    setPassword(
      poolId: string,
      userId: string,
      write: PasswordWrite,
      end: { selector: EndSelector; meta: EndMeta } | null,
    ): Promise<PasswordWriteOutcome>;
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
    /** Records that an access token expiring at `exp` (ms) was issued on a session. */
    recordToken(poolId: string, sessionId: string, exp: number): Promise<void>;
    /**
     * Ids revoked by ends recorded at or after `since` (the store poll), with until when each
     * must hold: the latest expiry of a token issued on the sessions it ended.
     */
    listEndedSince(since: number): Promise<Revocation[]>;
    /** Ids whose revocation still holds at `now`, whenever it was recorded (what a node loads at boot). */
    listHolding(now: number): Promise<Revocation[]>;
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
    /** Live, unexpired sessions of a pool per app they are signed in to (apps with none are absent). */
    liveByApp(poolId: string, now: number): Promise<LiveOfApp[]>;
    /**
     * The live, unexpired sessions of these users (signed in to the app, when one is named):
     * how many, and how many of the users have one.
     */
    countLiveOfUsers(
      poolId: string,
      userIds: string[],
      appId: string | null,
      now: number,
    ): Promise<{ users: number; sessions: number }>;
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
    /** A new job, leased to `lease.owner` (the node that runs it) until `lease.until`. */
    create(job: BulkLogout, lease: BulkLogoutLease): Promise<void>;
    get(poolId: string, id: string): Promise<BulkLogout | null>;
    list(poolId: string, limit: number): Promise<BulkLogout[]>;
    /**
     * Atomically leases to `lease.owner` every running job whose lease ended at or before `now`
     * (its node died or lost the store), or that has none; returns them. Two nodes calling at
     * once never both get a job.
     */
    takeOver(now: number, lease: BulkLogoutLease): Promise<BulkLogout[]>;
    /**
     * One batch of a job, in one transaction: the end (as `sessions.end` writes it), the job's
     * progress (its sessions added to `ended`, one more batch) and the lease renewed to
     * `lease.until` — only while `lease.owner` holds the running job. When another node took
     * it over meanwhile, nothing is written: `{ held: false, end: null }`. So the progress
     * never misses a batch that committed, whichever node dies when.
     */
    endBatch(
      id: string,
      lease: BulkLogoutLease,
      selector: EndSelector,
      meta: EndMeta,
    ): Promise<{ held: boolean; end: EndOutcome | null }>;
    /** Ends the job if `owner` still holds it; false otherwise (nothing written). */
    finish(
      id: string,
      owner: string,
      status: 'done' | 'failed',
      error: string | null,
      at: number,
    ): Promise<boolean>;
    /** Jobs of every pool by status (the operator's metrics). */
    countByStatus(): Promise<Record<BulkLogout['status'], number>>;
  };
  /** The whole outbox (every kind of notice, every pool), as the operator sees it. */
  notices: {
    /** One entry per kind, zeros included. Reads an index only: cheap at every scrape. */
    counts(deliveredSince: number): Promise<NoticeCounts[]>;
    /** The same for one pool (the console's dashboard), from the index led by the pool. */
    countsOfPool(poolId: string, deliveredSince: number): Promise<NoticeCounts[]>;
  };

  /**
   * Shared Signals streams and the SETs queued on them (outbox rows of kind 'set'). SETs of a
   * session end are queued by `sessions.end`, in its transaction; what is queued here is the
   * rest (verification, account purged, credential change).
   */
  /** Shared Signals SETs queued on push streams: what the notice worker pushes (RFC 8935). */
  pushedSets: {
    /** Claims up to `limit` due SETs for `leaseMs`, oldest first, with their stream's endpoint. */
    claimDue(now: number, limit: number, leaseMs: number): Promise<DuePushedSet[]>;
    /** As `deliveries.markMany`, for SETs. */
    markMany(marks: readonly DeliveryMark[]): Promise<boolean[]>;
  };
  /** Shared Signals: streams, their SETs and the ledger (ssf-store.ts). */
  ssf: SsfStore;

  audit: {
    listSessionEnds(poolId: string, offset: number, limit: number): Promise<Page<SessionEndRecord>>;
    /** Password changes and resets of a pool, newest first. */
    listCredentialChanges(poolId: string, offset: number, limit: number): Promise<Page<CredentialChange>>;
    /**
     * For each record, the users whose sessions (or app sessions) it ended, from at most the
     * first `maxIds` of its revoked ids.
     */
    endedUsers(poolId: string, recordIds: string[], maxIds: number): Promise<EndedUsers[]>;
    /** Users and apps of the pool by id, deleted ones included; unknown ids are left out. */
    names(
      poolId: string,
      userIds: string[],
      appIds: string[],
    ): Promise<{ users: UserName[]; apps: AppName[] }>;
    /** The pool's ends recorded at or after `since`, summed per hour and reason, oldest first. */
    endsByHour(poolId: string, since: number): Promise<EndsInHour[]>;
  };
}
