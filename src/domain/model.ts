// The records Signoff keeps. Times are epoch milliseconds: one representation for
// SQLite and PostgreSQL, and cheap to compare on the hot path.

export interface Pool {
  id: string;
  name: string;
  secretHash: string;
  /** Whether people may create their own account (GET /signup, POST /api/v2/register/email); off by default. */
  signUpEnabled: boolean;
  createdAt: number;
}

export interface Admin {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
}

/**
 * How an app authenticates at the OIDC token, introspection and revocation endpoints
 * (RFC 7591 token_endpoint_auth_method). The two secret methods are one family: a confidential
 * app may send its secret either way (RFC 6749 §2.3.1); `none` is a public app (PKCE required).
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
];

export interface App {
  id: string;
  poolId: string;
  name: string;
  identifier: string | null;
  secretHash: string;
  redirectUris: string[];
  logoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Whether the app may be a Shared Signals receiver (client credentials with scope ssf). */
  ssfEnabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface User {
  id: string;
  poolId: string;
  username: string | null;
  email: string | null;
  name: string | null;
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
}

export interface Device {
  browser: string | null;
  os: string | null;
  platform: string | null;
}

/** One sign-in of one user on one device or browser. */
export interface Session {
  id: string;
  poolId: string;
  userId: string;
  secretHash: string;
  userAgent: string | null;
  ip: string | null;
  device: Device;
  createdAt: number;
  /** When the user last entered their password on this session. */
  authenticatedAt: number;
  lastActiveAt: number;
  idleExpiresAt: number;
  expiresAt: number;
  endedAt: number | null;
  endReason: EndReason | null;
}

/** The part of a session that concerns one application. */
export interface AppSession {
  id: string;
  sessionId: string;
  poolId: string;
  appId: string;
  userId: string;
  createdAt: number;
  lastActiveAt: number;
  endedAt: number | null;
  endReason: EndReason | null;
}

export interface SessionWithApps extends Session {
  apps: AppSession[];
}

export interface SigningKey {
  kid: string;
  poolId: string;
  alg: 'RS256';
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  createdAt: number;
  /** A retired key signs nothing new but still verifies tokens it signed until they expire. */
  retiredAt: number | null;
}

/** Why a session (or an app session) ended. Recorded on the session, in the audit trail and in events. */
export type EndReason =
  | 'user_logout'
  | 'user_logout_others'
  | 'user_logout_global'
  | 'user_ended_session'
  | 'app_logout'
  | 'admin_kick'
  | 'admin_logout'
  | 'user_deleted'
  | 'app_deleted'
  | 'expired'
  /** The user changed their password (personal center, API) and chose to end their other sessions. */
  | 'password_changed'
  /** An administrator set a new password for the user. */
  | 'admin_password_reset';

export interface Actor {
  type: 'user' | 'admin' | 'app' | 'system';
  id: string | null;
}

export interface SessionEndRecord {
  id: string;
  poolId: string;
  at: number;
  reason: EndReason;
  actor: Actor;
  /** Sessions touched: ended whole, or ended in the listed apps. */
  sessions: number;
  appSessions: number;
  apps: string[];
}

/**
 * A password set or changed: an audit record of its own, written in the transaction that
 * changes the hash. A session end records what ended, and a change that keeps every session
 * ends nothing; this records who changed which user's password and what they chose for the
 * sessions. When the change ended sessions, their end record has the same id.
 */
export interface CredentialChange {
  id: string;
  poolId: string;
  userId: string;
  at: number;
  credentialType: 'password';
  /** password_changed: by the user, proving the current password; admin_password_reset: by an administrator. */
  reason: Extract<EndReason, 'password_changed' | 'admin_password_reset'>;
  actor: Actor;
  /** Which sessions the change was to end: the user's others, all of them, or none. */
  endSessions: 'others' | 'all' | 'none';
  /** Sessions it ended (0 when it kept them, or none was live). */
  sessionsEnded: number;
  /** CAEP credential-change SETs queued on the streams of the apps the user has signed in to. */
  events: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One back-channel logout notice owed to one app for one ended (app) session: the outbox row. */
export interface LogoutDelivery {
  id: string;
  poolId: string;
  appId: string;
  sessionId: string;
  userId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  /** When it was last queued again by a replay; its give-up horizon counts from here (else from createdAt). */
  replayedAt: number | null;
}

/** One administrator's "log out everyone" of an app (appId) or of a whole pool (appId null). */
export interface BulkLogout {
  id: string;
  poolId: string;
  appId: string | null;
  status: 'running' | 'done' | 'failed';
  reason: EndReason;
  actor: Actor;
  /** Live sessions when the job started (the goal of the progress bar). */
  total: number;
  /** Sessions ended so far. */
  ended: number;
  batches: number;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** A user signed in to an app: the rows of an app's login status. */
export interface ActiveUser {
  userId: string;
  /** Live sessions of the user in the app. */
  sessions: number;
  /** Earliest sign-in among them. */
  since: number;
  lastActiveAt: number;
  /** From the most recently active of them. */
  ip: string | null;
  device: Device;
}

/** How a Shared Signals stream delivers: pushed to the receiver (RFC 8935) or polled by it (RFC 8936). */
export type StreamDelivery = 'push' | 'poll';
/** The delivery method URIs of SSF 1.0 §6.1. */
export const SSF_PUSH = 'urn:ietf:rfc:8935';
export const SSF_POLL = 'urn:ietf:rfc:8936';
/** SSF 1.0 §8.1.2: enabled, paused (events held), disabled (events dropped). */
export type StreamStatus = 'enabled' | 'paused' | 'disabled';

/** A Shared Signals event stream of an app (SSF 1.0 §8.1.1). */
export interface EventStream {
  id: string;
  poolId: string;
  appId: string;
  delivery: StreamDelivery;
  /** Push: the receiver's endpoint; poll: null (Signoff's own poll endpoint). */
  endpointUrl: string | null;
  /** Push: sent as the Authorization header of every SET POST, as the receiver gave it. */
  authorizationHeader: string | null;
  /** Event type URIs the receiver asked for; null when it did not say (every supported one). */
  eventsRequested: string[] | null;
  eventsDelivered: string[];
  description: string | null;
  status: StreamStatus;
  statusReason: string | null;
  createdAt: number;
  updatedAt: number;
  lastPolledAt: number | null;
  lastVerificationAt: number | null;
}

/** What a Security Event Token on a stream reports; its formatter builds the claims. */
export type SetEventType = 'session-revoked' | 'account-purged' | 'credential-change' | 'verification';

/** A SET queued on a stream: an outbox row of kind 'set'. */
export interface QueuedSet {
  /** The SET's jti. */
  id: string;
  poolId: string;
  appId: string;
  streamId: string;
  eventType: SetEventType;
  /** The session the event is about; null for an event about the user as a whole. */
  sessionId: string | null;
  userId: string | null;
  /** The session end (audit record) that caused it: the SET's txn. */
  endId: string | null;
  /** The end's reason (session-revoked), or what changed (credential-change). */
  reason: string | null;
  /** Event-specific values: the verification's state, a credential change's kind. */
  detail: Record<string, unknown> | null;
  createdAt: number;
}

/** A stream's ledger: how its SETs stand. */
export interface StreamStats {
  streamId: string;
  pending: number;
  held: number;
  delivered: number;
  failed: number;
  lastError: string | null;
  /** When the oldest SET still waiting was queued (its age is the stream's lag), or null. */
  oldestPendingAt: number | null;
}
