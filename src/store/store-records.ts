// The shapes the storage port's methods take and give that the domain model does not define:
// what an end selects and returns, patches, pages, outbox rows as claimed, counts. Kept apart
// from the port itself (store.ts) so that the port reads as one list of what each noun can do;
// store.ts re-exports every one of them.
import type {
  Actor,
  CredentialChange,
  EndReason,
  EventStream,
  LogoutDelivery,
  QueuedSet,
  SessionEndRecord,
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
