// The storage port's Shared Signals part (store.ts's `ssf`): an app's event streams, the SETs
// queued on them, what a poll takes and acknowledges, and each stream's ledger. Every method
// that reads or writes a pool's data takes the pool id, or a stream id found through it.
import type { EventStream, QueuedSet, StreamStats } from '../domain/model.ts';
import type { QueueSetInput, StreamPatch } from './store-records.ts';

export interface SsfStore {
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
  /**
   * Queues a stream's SETs again: every failed one, or the listed jtis among its failed and
   * delivered ones (pending, attempts from zero, the horizon from `now`); returns how many.
   */
  replay(poolId: string, streamId: string, which: readonly string[] | 'failed', now: number): Promise<number>;
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
}
