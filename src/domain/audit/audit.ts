// The audit trail (DESIGN: every end has a reason, an actor and a time): session ends, and the
// password changes and resets that may have caused some of them (a change has the id of the
// end it caused), read by page for the API and the console; the console's page names what the
// records hold by id: the actor, the apps, and the users whose sessions ended.
import type { AppName, Store, UserName } from '../../store/store.ts';
import type { SessionEndRecord } from '../model.ts';

/** How much of each record the console names: the first users of its first revoked ids. */
export const TRAIL_USERS = 10;
const TRAIL_IDS = 200;

/** An app as the trail names it: name null when no record of it is left. */
export interface TrailApp extends Omit<AppName, 'name'> {
  name: string | null;
}

/** A record with its ids named; an id whose record is gone stays an id (its names null). */
export interface TrailEntry {
  record: SessionEndRecord;
  /** The actor's user or app when the actor is one. */
  actor: { user: UserName | null; app: TrailApp | null };
  apps: TrailApp[];
  /** The first users whose sessions ended (at most TRAIL_USERS). */
  users: UserName[];
  /** Further users among the ids read. */
  moreUsers: number;
  /** False when the record ended more sessions than were read: there may be others still. */
  complete: boolean;
}

const unknownUser = (id: string): UserName => ({
  id,
  username: null,
  email: null,
  name: null,
  deleted: true,
});
const unknownApp = (id: string): TrailApp => ({ id, name: null, deleted: true });

export function createAuditService(deps: { store: Store }) {
  const { store } = deps;
  return {
    /** A pool's session ends, newest first; `page` counts from 1. */
    sessionEnds: (poolId: string, page: number, limit: number) =>
      store.audit.listSessionEnds(poolId, (page - 1) * limit, limit),
    /** A pool's password changes and resets, newest first; `page` counts from 1. */
    credentialChanges: (poolId: string, page: number, limit: number) =>
      store.audit.listCredentialChanges(poolId, (page - 1) * limit, limit),

    /** The same page with every id named (bounded: TRAIL_USERS users from TRAIL_IDS ids a record). */
    async trail(poolId: string, page: number, limit: number) {
      const ends = await store.audit.listSessionEnds(poolId, (page - 1) * limit, limit);
      const ended = new Map(
        (
          await store.audit.endedUsers(
            poolId,
            ends.list.map((r) => r.id),
            TRAIL_IDS,
          )
        ).map((e) => [e.recordId, e]),
      );
      const shown = (r: SessionEndRecord) => (ended.get(r.id)?.userIds ?? []).slice(0, TRAIL_USERS);
      const actorOf = (r: SessionEndRecord, type: 'user' | 'app') =>
        r.actor.type === type && r.actor.id ? [r.actor.id] : [];
      const names = await store.audit.names(
        poolId,
        ends.list.flatMap((r) => [...actorOf(r, 'user'), ...shown(r)]),
        ends.list.flatMap((r) => [...actorOf(r, 'app'), ...r.apps]),
      );
      const users = new Map(names.users.map((u) => [u.id, u]));
      const apps = new Map(names.apps.map((a) => [a.id, a]));
      const list = ends.list.map((record): TrailEntry => {
        const e = ended.get(record.id);
        const [actorUser] = actorOf(record, 'user');
        const [actorApp] = actorOf(record, 'app');
        return {
          record,
          actor: {
            user: actorUser ? (users.get(actorUser) ?? unknownUser(actorUser)) : null,
            app: actorApp ? (apps.get(actorApp) ?? unknownApp(actorApp)) : null,
          },
          apps: record.apps.map((id) => apps.get(id) ?? unknownApp(id)),
          users: shown(record).map((id) => users.get(id) ?? unknownUser(id)),
          moreUsers: Math.max(0, (e?.userIds.length ?? 0) - TRAIL_USERS),
          complete: e?.complete ?? true,
        };
      });
      return { totalCount: ends.totalCount, list };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
