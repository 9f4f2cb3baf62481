// The session core: the one function through which every session end flows — API logout,
// hosted pages, OIDC end session, compat routes, the personal center, admin kicks, deletes
// and expiry, password changes. Order matters (DESIGN.md principle 2): the store commits the
// end, the outbox rows and the audit record in one transaction (its own, or for a password
// change the change's: endSessionsWith); only then is the in-memory revocation index updated
// and the event published (not waited for: other nodes have the store poll); the caller
// answers after that.
import type { Bus, SessionEndedEvent } from '../../bus/bus.ts';
import type { EndMeta, EndOutcome, EndSelector, Store } from '../../store/store.ts';
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

/** What a caller's own transaction wrote: the end (the store's end write, run inside it) and its own result. */
export interface EndWritten<T> {
  end: EndOutcome | null;
  result: T;
}

export interface SessionCore {
  endSessions(selector: EndSelector, reason: EndReason, actor: Actor): Promise<EndSummary>;
  /**
   * The same end, written by the caller inside a transaction of its own together with what
   * caused it: a password change commits its new hash and the end of the sessions it signs
   * out at once, so that no crash leaves the password changed and those sessions live. `write`
   * gets the end's meta (time, reason, actor, record id — `recordId` when given) and must run
   * the store's end write with it (or return `end: null` when it wrote nothing); everything
   * after the commit — revocation index, bus, metrics — is done here as for `endSessions`.
   */
  endSessionsWith<T>(
    selector: EndSelector,
    reason: EndReason,
    actor: Actor,
    write: (meta: EndMeta) => Promise<EndWritten<T>>,
    options?: { recordId?: string },
  ): Promise<{ summary: EndSummary; result: T }>;
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

const NOTHING_ENDED: EndSummary = {
  recordId: null,
  sessions: 0,
  appSessions: 0,
  deliveries: 0,
  events: 0,
  apps: [],
};

export function createSessionCore(deps: SessionCoreDeps): SessionCore {
  const { store, index, bus, clock } = deps;

  /** After the commit: this node's index, the other nodes, the metrics. */
  async function announce(
    selector: EndSelector,
    meta: EndMeta,
    outcome: EndOutcome | null,
  ): Promise<EndSummary> {
    const record = outcome?.record;
    if (!outcome || !record) return { ...NOTHING_ENDED };
    const { at, reason, actor } = meta;

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
    // Committed already: a failed publish only delays other nodes until their next poll, so
    // the answer does not wait for it — a Redis that is away or hangs must not hold a logout
    // (issue 10 part 2). The bus tells this process's own listeners before it returns.
    void bus.publish(event).catch((error: unknown) => deps.onPublishError?.(error));
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
  }

  async function endSessionsWith<T>(
    selector: EndSelector,
    reason: EndReason,
    actor: Actor,
    write: (meta: EndMeta) => Promise<EndWritten<T>>,
    options: { recordId?: string } = {},
  ) {
    const meta: EndMeta = { at: clock.now(), reason, actor, recordId: options.recordId ?? newId() };
    const { end, result } = await write(meta);
    return { summary: await announce(selector, meta, end), result };
  }

  return {
    endSessionsWith,
    async endSessions(selector, reason, actor) {
      const { summary } = await endSessionsWith(selector, reason, actor, async (meta) => ({
        end: await store.sessions.end(selector, meta),
        result: undefined,
      }));
      return summary;
    },
  };
}
