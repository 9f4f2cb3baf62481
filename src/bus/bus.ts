// The event bus: how a node tells the others (and its own listeners) that sessions ended or
// keys changed. In-process by default; Redis pub/sub when REDIS_URL is set. The bus is a fast
// path, not the source of truth: every node also polls the store (revocation-sync.ts), so a
// lost message delays a revocation on another node by one poll interval at worst.
import type { Actor, EndReason } from '../domain/model.ts';

export interface SessionEndedEvent {
  type: 'session.ended';
  poolId: string;
  recordId: string;
  at: number;
  reason: EndReason;
  actor: Actor;
  /** Ids to add to the revocation index: session ids, or app-session ids for app-scoped ends. */
  revoked: string[];
  sessions: number;
  appSessions: number;
  apps: string[];
  deliveries: number;
}

export interface KeysChangedEvent {
  type: 'keys.changed';
  poolId: string;
}

export type BusEvent = SessionEndedEvent | KeysChangedEvent;
export type BusListener = (event: BusEvent) => void;

export interface Bus {
  readonly kind: 'memory' | 'redis';
  publish(event: BusEvent): Promise<void>;
  subscribe(listener: BusListener): () => void;
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
