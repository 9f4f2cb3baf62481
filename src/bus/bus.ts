// The event bus: how a node tells the others (and its own listeners) that sessions ended,
// keys changed, or a back-channel logout was delivered or given up on. In-process by default;
// Redis pub/sub when REDIS_URL is set. The bus is a fast path, not the source of truth: every
// node also polls the store (revocation-sync.ts, and the back-channel worker's timer), so a
// lost message delays a revocation or a delivery by one poll interval at worst.
import type { Actor, EndReason } from '../domain/model.ts';

export interface SessionEndedEvent {
  type: 'session.ended';
  poolId: string;
  recordId: string;
  /** The end's time stamp, taken before its transaction (what the store records as ended_at). */
  at: number;
  /**
   * When its transaction committed on the node that made it: what propagation is measured
   * from (under load the wait for a connection comes before it). Absent from older nodes.
   */
  committedAt?: number;
  reason: EndReason;
  actor: Actor;
  /** Ids to add to the revocation index: session ids, or app-session ids for app-scoped ends. */
  revoked: string[];
  /** Until when they must stay revoked (ms); absent from nodes of an older version. */
  holdsUntil?: number;
  sessions: number;
  appSessions: number;
  apps: string[];
  deliveries: number;
  /** Shared Signals SETs queued with the end (on the apps' streams). */
  events: number;
}

export interface KeysChangedEvent {
  type: 'keys.changed';
  poolId: string;
}

/** What both delivery outcomes say about the notice they concern. */
interface DeliveryOutcome {
  poolId: string;
  appId: string;
  deliveryId: string;
  /** The session the notice was about: the logout token's `sid`. */
  sid: string;
  userId: string;
  /** Attempts it took, counted since the delivery was queued (or last replayed). */
  attempts: number;
  at: number;
}

/** A back-channel logout notice reached the app (it answered 200 or 204). */
export interface LogoutDeliveredEvent extends DeliveryOutcome {
  type: 'logout.delivered';
}

/** A back-channel logout notice was given up on: past the give-up horizon, or refused outright. */
export interface LogoutFailedEvent extends DeliveryOutcome {
  type: 'logout.failed';
  /** Why the last attempt failed, as listed in the delivery's `lastError`. */
  error: string;
}

/**
 * Security Event Tokens were queued on the streams of these apps outside a session end (a
 * verification, a stream enabled again, an account purged, a credential changed): pollers and
 * the notice worker wake. Session ends say it with `session.ended` (its `events`).
 */
export interface SetsQueuedEvent {
  type: 'sets.queued';
  poolId: string;
  apps: string[];
}

export type BusEvent =
  | SessionEndedEvent
  | KeysChangedEvent
  | LogoutDeliveredEvent
  | LogoutFailedEvent
  | SetsQueuedEvent;
export type BusListener = (event: BusEvent) => void;

export interface Bus {
  readonly kind: 'memory' | 'redis';
  publish(event: BusEvent): Promise<void>;
  subscribe(listener: BusListener): () => void;
  /** Resolves when the bus can carry a message now (GET /ready); throws saying why not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Calls every listener; one failing listener neither stops the others nor the publisher. */
export function createListenerSet(onError: (error: unknown) => void) {
  const listeners = new Set<BusListener>();
  return {
    add(listener: BusListener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    emit(event: BusEvent) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onError(error);
        }
      }
    },
  };
}
