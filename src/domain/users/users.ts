import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Actor, User } from '../model.ts';
import { hashPassword } from '../passwords.ts';
import type { SessionCore } from '../sessions/session-core.ts';
import { normalizeAccount } from './username.ts';

export interface UserInput {
  username?: string | null;
  email?: string | null;
  password: string;
  name?: string | null;
}

// Profiles read on every authenticated request (GET /users/me) are kept a few seconds: a
// profile change on another node shows after at most this long. Access is not at stake: a
// deleted or logged-out user's tokens are refused by the revocation check before any read.
const PROFILE_CACHE_MS = 5000;
const PROFILE_CACHE_SIZE = 10_000;

export function createUserService(deps: {
  store: Store;
  core: SessionCore;
  clock: Clock;
  /** SETs were queued on these apps' streams (RISC account-purged): wakes their delivery. */
  onSetsQueued?: (poolId: string, apps: string[]) => void;
}) {
  const { store, core, clock } = deps;
  const profiles = new Map<string, { user: User; until: number }>();
  return {
    async create(poolId: string, input: UserInput) {
      const now = clock.now();
      const user: User = {
        id: newId(),
        poolId,
        username: input.username ? normalizeAccount(input.username) : null,
        // Emails are kept lower-case so that uniqueness and sign-in ignore case on every store.
        email: input.email ? input.email.toLowerCase() : null,
        name: input.name ?? null,
        passwordHash: await hashPassword(input.password),
        createdAt: now,
        updatedAt: now,
      };
      const created = await store.users.create(user);
      if (!created.ok) return { ok: false as const, conflict: created.conflict };
      return { ok: true as const, user };
    },

    get: (poolId: string, userId: string) => store.users.get(poolId, userId),

    /** Users whose username or email contains the query (the console's user search). */
    search: (poolId: string, query: string, limit = 50) => store.users.search(poolId, query.trim(), limit),

    /** The user for a request's principal: `get`, through a short-lived cache. */
    async profile(poolId: string, userId: string): Promise<User | null> {
      const key = `${poolId}\u0000${userId}`;
      const now = clock.now();
      const hit = profiles.get(key);
      if (hit && hit.until > now) return hit.user;
      const user = await store.users.get(poolId, userId);
      if (profiles.size >= PROFILE_CACHE_SIZE) profiles.delete(profiles.keys().next().value!);
      if (user) profiles.set(key, { user, until: now + PROFILE_CACHE_MS });
      else profiles.delete(key);
      return user;
    },

    /** Ends every session of the user (reason user_deleted), then removes the user. */
    async delete(poolId: string, userId: string, actor: Actor) {
      if (!(await store.users.get(poolId, userId))) return false;
      await core.endSessions({ scope: 'users', poolId, userIds: [userId] }, 'user_deleted', actor);
      profiles.delete(`${poolId}\u0000${userId}`);
      const { deleted, apps } = await store.users.delete(poolId, userId, clock.now());
      if (apps.length > 0) deps.onSetsQueued?.(poolId, apps);
      return deleted;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
