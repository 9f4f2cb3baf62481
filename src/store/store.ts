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
  CredentialChange,
  DeliveryStatus,
  EndReason,
  EventStream,
  LogoutDelivery,
  Pool,
  QueuedSet,
  Session,
  SessionEndRecord,
  SessionWithApps,
  SigningKey,
  StreamStats,
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

export interface Revocation {
  id: string;
  endedAt: number;
  /** Until when a token may carry the id (ms): the revocation is kept that long. */
  holdsUntil: number;
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
  /** Shared Signals SETs queued in the same transaction (on the apps' streams). */
  events: number;
  /** The audit record, or null when nothing was live (nothing is written then). */
  record: SessionEndRecord | null;
  /** Until when the revocations must hold: the latest expiry of a token of the ended sessions. */
  holdsUntil: number;
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
  ssfEnabled?: boolean;
  secretHash?: string;
  updatedAt: number;
}

export interface PoolPatch {
  signUpEnabled?: boolean;
}

/** A password to write, with the audit record of the change (see CredentialChange). */
export interface PasswordWrite {
  change: Omit<CredentialChange, 'poolId' | 'userId' | 'sessionsEnded' | 'events'>;
  passwordHash: string;
  /** CAEP initiating_entity of the credential-change SETs. */
  initiatingEntity: 'user' | 'admin';
  /**
   * The hash the change was checked against (the user proved the current password): when the
   * password changed meanwhile, nothing is written.
   */
  expectedHash?: string;
}

export interface PasswordWriteOutcome {
  /** False when the user is gone, or their password is no longer `expectedHash`: nothing was written. */
  written: boolean;
  record: CredentialChange | null;
  /** The apps whose streams got a credential-change SET. */
  apps: string[];
  /** The session end written in the same transaction, when one was asked for. */
  end: EndOutcome | null;
}

export interface StreamPatch {
  delivery?: EventStream['delivery'];
  endpointUrl?: string | null;
  authorizationHeader?: string | null;
  eventsRequested?: string[] | null;
  eventsDelivered?: string[];
  description?: string | null;
  status?: EventStream['status'];
  statusReason?: string | null;
  updatedAt: number;
}

export interface QueueSetInput {
  id?: string;
  poolId: string;
  /** The apps whose streams get it (all their streams), unless `streamId` names one. */
  appIds: string[];
  streamId?: string;
  eventType: QueuedSet['eventType'];
  sessionId: string | null;
  userId: string | null;
  endId: string | null;
  reason: string | null;
  detail: Record<string, unknown> | null;
  at: number;
}

/** A delivery taken by a worker, with where to send it. */
export interface DueDelivery extends LogoutDelivery {
  /**
   * The app's back-channel URI as it is now — also for an app deleted since (its users' sessions
   * ended with the deletion, and it is still owed the notice) — or null once it was removed.
   */
  backchannelLogoutUri: string | null;
}

/** A SET taken by the notice worker to push (RFC 8935), with where its stream sends it. */
export interface DuePushedSet extends QueuedSet {
  attempts: number;
  replayedAt: number | null;
  /** The stream's push endpoint as it is now; null once the stream no longer pushes. */
  endpointUrl: string | null;
  /** The Authorization header value the receiver asked for, or null. */
  authorizationHeader: string | null;
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

/** Outbox rows of one kind (`notices.kind`), for the operator's metrics. */
export interface NoticeCounts {
  kind: 'backchannel' | 'set';
  /** Waiting to be delivered or polled, whatever their age. */
  pending: number;
  /** Given up on and not replayed since, whatever their age. */
  failed: number;
  /** Delivered (or acknowledged by a poller) at or after the `deliveredSince` asked for. */
  delivered: number;
}

/** A user as a record names them, deleted accounts included: the audit trail outlives them. */
export interface UserName {
  id: string;
  username: string | null;
  email: string | null;
  name: string | null;
  deleted: boolean;
}

/** An app as a record names it, deleted apps included. */
export interface AppName {
  id: string;
  name: string;
  deleted: boolean;
}

/** Whose sessions an audited end ended, read from the first of its revoked ids (a bounded read). */
export interface EndedUsers {
  recordId: string;
  /** Distinct users, in the order of the revoked ids read. */
  userIds: string[];
  /** Whether every revoked id was read; if not, more users may be behind the ones listed. */
  complete: boolean;
}

export interface ProfilePatch {
  username?: string | null;
  email?: string | null;
  name?: string | null;
  updatedAt: number;
}

export type ProfileUpdate =
  | { ok: true; user: User }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'taken'; field: 'username' | 'email' };

/** Live sessions signed in to one app, and how many users they belong to (the dashboard). */
export interface LiveOfApp {
  appId: string;
  sessions: number;
  users: number;
}

/** Audited ends of one reason in one hour (the dashboard): how many ends, how many sessions. */
export interface EndsInHour {
  /** The hour's start (ms since the epoch, a multiple of 3,600,000). */
  hour: number;
  reason: EndReason;
  ends: number;
  sessions: number;
}

/** Which node runs a bulk logout job, and until when it holds it unless it renews. */
export interface BulkLogoutLease {
  owner: string;
  until: number;
}

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
  ssf: {
    createStream(stream: EventStream): Promise<void>;
    getStream(poolId: string, appId: string, id: string): Promise<EventStream | null>;
    listStreams(poolId: string, appId: string): Promise<EventStream[]>;
    /**
     * Changes a stream; its pending SETs follow in the same transaction: held while it is
     * paused, pushed or left for polling by its delivery method, dropped when it is disabled.
     */
    updateStream(poolId: string, appId: string, id: string, patch: StreamPatch): Promise<EventStream | null>;
    /** Deletes a stream with its SETs and subject exclusions. */
    deleteStream(poolId: string, appId: string, id: string): Promise<boolean>;
    /** Keeps a user's events off a stream (remove subject), or lets them on again (add subject). */
    excludeUser(streamId: string, userId: string, at: number): Promise<void>;
    includeUser(streamId: string, userId: string): Promise<void>;
    /** Whether a user has ever signed in to the app: the subjects a stream of it may name. */
    isAppUser(poolId: string, appId: string, userId: string): Promise<boolean>;
    /**
     * Queues one SET on every live stream (not disabled) of the given apps that wants its
     * event type, except the streams the user is excluded from — or on one stream when
     * `streamId` is given. Returns the app of each SET queued.
     */
    queue(input: QueueSetInput): Promise<string[]>;
    /** SETs waiting for a poll on a stream, oldest first. */
    pollable(poolId: string, streamId: string, limit: number): Promise<QueuedSet[]>;
    /** RFC 8936 §2.4: acknowledged SETs are delivered; SETs with errors are failed. Returns how many changed. */
    acknowledge(poolId: string, streamId: string, jtis: string[], at: number): Promise<number>;
    reject(poolId: string, streamId: string, errors: { jti: string; error: string }[]): Promise<number>;
    markPolled(poolId: string, streamId: string, at: number): Promise<void>;
    markVerificationRequested(poolId: string, streamId: string, at: number): Promise<void>;
    /** The ledger of each stream of an app. */
    stats(poolId: string, appId: string): Promise<StreamStats[]>;
    /**
     * The app's sessions whose tokens a restarted verifier must refuse: those that ended in the
     * app (or whole) at or after `since` and on which a token was issued that is still valid at
     * `now`, with when they ended (ms), the latest end per session.
     */
    endedSessionsOfApp(
      poolId: string,
      appId: string,
      since: number,
      now: number,
    ): Promise<{ sessionId: string; at: number }[]>;
    /** The latest expiry (ms) of an access token issued on a session of the app, or null. */
    latestTokenOfApp(poolId: string, appId: string): Promise<number | null>;
    /** Drops SETs still waiting for a poll that were queued before `before`. Returns how many. */
    purgeUnpolled(before: number): Promise<number>;
  };

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
