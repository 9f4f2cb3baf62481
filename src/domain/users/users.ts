import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Actor, User } from '../model.ts';
import { hashPassword } from '../passwords.ts';
import type { SessionCore } from '../sessions/session-core.ts';

export interface UserInput {
  username?: string | null;
  email?: string | null;
  password: string;
  name?: string | null;
}

export function createUserService(deps: { store: Store; core: SessionCore; clock: Clock }) {
  const { store, core, clock } = deps;
  return {
    async create(poolId: string, input: UserInput) {
      const now = clock.now();
      const user: User = {
        id: newId(),
        poolId,
        username: input.username ?? null,
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

    /** Ends every session of the user (reason user_deleted), then removes the user. */
    async delete(poolId: string, userId: string, actor: Actor) {
      if (!(await store.users.get(poolId, userId))) return false;
      await core.endSessions({ scope: 'users', poolId, userIds: [userId] }, 'user_deleted', actor);
      return store.users.delete(poolId, userId, clock.now());
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
