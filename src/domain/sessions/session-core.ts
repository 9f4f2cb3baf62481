// The session core: the one function through which every session end flows — API logout,
// hosted pages, OIDC end session, compat routes, the personal center, admin kicks, deletes
// and expiry. Order matters (DESIGN.md principle 2): the store commits the end, the outbox
// rows and the audit record in one transaction; only then is the in-memory revocation index
// updated and the event published; the caller answers after that.
import type { Bus, SessionEndedEvent } from '../../bus/bus.ts';
import type { EndSelector, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Actor, EndReason } from '../model.ts';
import type { RevocationIndex } from '../tokens/revocation-index.ts';

export interface EndSummary {
  /** The audit record's id; null when nothing was live (nothing is written then). */
  recordId: string | null;
  /** Sessions touched (ended whole, or ended in an app). */
  sessions: number;
  appSessions: number;
  deliveries: number;
  /** Shared Signals SETs queued on the apps' streams. */
  events: number;
  apps: string[];
}

export interface SessionCore {
  endSessions(selector: EndSelector, reason: EndReason, actor: Actor): Promise<EndSummary>;
}

export interface SessionCoreDeps {
  store: Store;
  index: RevocationIndex;
  bus: Bus;
  clock: Clock;
  onPublishError?: (error: unknown) => void;
  /** Told of every end that ended something, once it is committed and announced (metrics). */
  onEnded?: (reason: EndReason, summary: EndSummary) => void;
}

export function createSessionCore(deps: SessionCoreDeps): SessionCore {
  const { store, index, bus, clock } = deps;
  return {
    async endSessions(selector, reason, actor) {
      const at = clock.now();
      const outcome = await store.sessions.end(selector, { at, reason, actor, recordId: newId() });
      const { record } = outcome;
      if (!record) return { recordId: null, sessions: 0, appSessions: 0, deliveries: 0, events: 0, apps: [] };

      // Whole sessions are revoked by session id; an app-scoped end by app-session id, so the
      // user's tokens for the other apps of the same session keep working.
      const { revoked, holdsUntil } = outcome;
      index.add(revoked, holdsUntil);

      const event: SessionEndedEvent = {
        type: 'session.ended',
        poolId: selector.poolId,
        recordId: record.id,
        at,
        reason,
        actor,
        revoked,
        holdsUntil,
        sessions: record.sessions,
        appSessions: record.appSessions,
        apps: record.apps,
        deliveries: outcome.deliveries,
        events: outcome.events,
      };
      // Committed already: a failed publish only delays other nodes until their next poll.
      await bus.publish(event).catch((error: unknown) => deps.onPublishError?.(error));
      const summary: EndSummary = {
        recordId: record.id,
        sessions: record.sessions,
        appSessions: record.appSessions,
        deliveries: outcome.deliveries,
        events: outcome.events,
        apps: record.apps,
      };
      deps.onEnded?.(reason, summary);
      return summary;
    },
  };
}
