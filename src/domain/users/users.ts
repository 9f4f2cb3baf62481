import type { EndSelector, PasswordWrite, PasswordWriteOutcome, Store } from '../../store/store.ts';
import type { LoginService } from '../auth/login.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Actor, CredentialChange, User } from '../model.ts';
import { hashPassword, passwordProblem } from '../passwords.ts';
import type { EndSummary, SessionCore } from '../sessions/session-core.ts';
import { normalizeAccount } from './username.ts';

export interface UserInput {
  username?: string | null;
  email?: string | null;
  password: string;
  name?: string | null;
}

/** The session a user changes their password from: it goes on, whatever else ends. */
export interface PasswordChangePrincipal {
  poolId: string;
  userId: string;
  sessionId: string;
}

export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
  /** Keep the user's other sessions signed in; by default they end (reason password_changed). */
  keepOtherSessions?: boolean;
  /** The client's address: the current password is checked under the sign-in throttle. */
  ip?: string | null;
}

export interface PasswordSetOptions {
  /** End every session of the user (reason admin_password_reset); default true. */
  endSessions?: boolean;
  /** Who set it (the audit trail's actor): the management API, the console's administrator, the CLI. */
  actor: Actor;
}

/** A password written: its audit record, and what it ended (null when it kept every session). */
export interface PasswordChanged {
  ok: true;
  change: CredentialChange;
  ended: EndSummary | null;
}

export type PasswordRefusal =
  | { ok: false; reason: 'not_found' }
  /** The new password breaks the rules (passwordProblem's words); nothing was checked or written. */
  | { ok: false; reason: 'invalid_password'; problem: string }
  | { ok: false; reason: 'wrong_password' }
  /** Too many wrong passwords for this user or from this address; the password was not checked. */
  | { ok: false; reason: 'throttled'; retryAt: number };

/** How a password is written: who, why, and which sessions end with it. */
interface PasswordPlan {
  reason: CredentialChange['reason'];
  actor: Actor;
  endSessions: CredentialChange['endSessions'];
  /** `others`: the session that goes on. */
  keepSessionId?: string;
  initiatingEntity: PasswordWrite['initiatingEntity'];
  expectedHash?: string;
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
  /** The sign-in's password check (and throttle), for a change that proves the current password. */
  checkPassword: LoginService['checkUserPassword'];
  /** SETs were queued on these apps' streams (RISC account-purged, CAEP credential-change): wakes their delivery. */
  onSetsQueued?: (poolId: string, apps: string[]) => void;
}) {
  const { store, core, clock } = deps;
  const profiles = new Map<string, { user: User; until: number }>();
  const cacheKey = (poolId: string, userId: string) => `${poolId}\u0000${userId}`;

  /**
   * Writes a new hash with its audit record and credential-change SETs and, unless the plan
   * keeps every session, through the session core in the same transaction the end of the
   * sessions it signs out (their end record and SETs share the change's id). Null when nothing
   * was written (the user is gone, or the password changed meanwhile).
   */
  async function writePassword(
    poolId: string,
    userId: string,
    passwordHash: string,
    plan: PasswordPlan,
  ): Promise<Omit<PasswordChanged, 'ok'> | null> {
    const id = newId();
    const write = (at: number): PasswordWrite => ({
      change: {
        id,
        at,
        credentialType: 'password',
        reason: plan.reason,
        actor: plan.actor,
        endSessions: plan.endSessions,
      },
      passwordHash,
      initiatingEntity: plan.initiatingEntity,
      ...(plan.expectedHash === undefined ? {} : { expectedHash: plan.expectedHash }),
    });
    let outcome: PasswordWriteOutcome;
    let ended: EndSummary | null = null;
    if (plan.endSessions === 'none') {
      outcome = await store.users.setPassword(poolId, userId, write(clock.now()), null);
    } else {
      const selector: EndSelector = {
        scope: 'users',
        poolId,
        userIds: [userId],
        ...(plan.endSessions === 'others' ? { exceptSessionId: plan.keepSessionId ?? '' } : {}),
      };
      const done = await core.endSessionsWith(
        selector,
        plan.reason,
        plan.actor,
        async (meta) => {
          const written = await store.users.setPassword(poolId, userId, write(meta.at), { selector, meta });
          return { end: written.end, result: written };
        },
        { recordId: id },
      );
      outcome = done.result;
      ended = done.summary;
    }
    if (!outcome.written || !outcome.record) return null;
    profiles.delete(cacheKey(poolId, userId));
    if (outcome.apps.length > 0) deps.onSetsQueued?.(poolId, outcome.apps);
    return { change: outcome.record, ended };
  }

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
      const key = cacheKey(poolId, userId);
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
      profiles.delete(cacheKey(poolId, userId));
      const { deleted, apps } = await store.users.delete(poolId, userId, clock.now());
      if (apps.length > 0) deps.onSetsQueued?.(poolId, apps);
      return deleted;
    },

    /**
     * A user changes their own password, proving the current one (the personal center, the
     * API). Their other sessions end (reason password_changed) unless `keepOtherSessions`; the
     * session they change it from goes on. Every app they ever signed in to gets a CAEP
     * credential-change SET (initiating_entity user). A wrong current password counts as a
     * failed sign-in of the user.
     */
    async changePassword(
      principal: PasswordChangePrincipal,
      input: PasswordChangeInput,
    ): Promise<PasswordChanged | PasswordRefusal> {
      const { poolId, userId } = principal;
      const user = await store.users.get(poolId, userId);
      if (!user) return { ok: false, reason: 'not_found' };
      // The rules first: a new password that cannot be accepted spends no try of the throttle.
      const problem = passwordProblem(input.newPassword);
      if (problem) return { ok: false, reason: 'invalid_password', problem };
      const checked = await deps.checkPassword(user, input.currentPassword, input.ip ?? null);
      if (typeof checked === 'object') return { ok: false, reason: 'throttled', retryAt: checked.throttled };
      if (!checked) return { ok: false, reason: 'wrong_password' };
      const written = await writePassword(poolId, userId, await hashPassword(input.newPassword), {
        reason: 'password_changed',
        actor: { type: 'user', id: userId },
        endSessions: input.keepOtherSessions ? 'none' : 'others',
        keepSessionId: principal.sessionId,
        initiatingEntity: 'user',
        // Proved against this hash: if it changed meanwhile (an administrator's reset), the
        // proof is of a password that is no longer the user's.
        expectedHash: user.passwordHash,
      });
      if (written) return { ok: true, ...written };
      return (await store.users.get(poolId, userId))
        ? { ok: false, reason: 'wrong_password' }
        : { ok: false, reason: 'not_found' };
    },

    /**
     * An administrator sets a new password (the management API, the console). By default
     * every session of the user ends (reason admin_password_reset); `endSessions: false` keeps
     * them. Every app the user ever signed in to gets a CAEP credential-change SET
     * (initiating_entity admin).
     */
    async setPassword(
      poolId: string,
      userId: string,
      password: string,
      options: PasswordSetOptions,
    ): Promise<PasswordChanged | Extract<PasswordRefusal, { reason: 'not_found' | 'invalid_password' }>> {
      const problem = passwordProblem(password);
      if (problem) return { ok: false, reason: 'invalid_password', problem };
      if (!(await store.users.get(poolId, userId))) return { ok: false, reason: 'not_found' };
      const written = await writePassword(poolId, userId, await hashPassword(password), {
        reason: 'admin_password_reset',
        actor: options.actor,
        endSessions: options.endSessions === false ? 'none' : 'all',
        initiatingEntity: 'admin',
      });
      return written ? { ok: true, ...written } : { ok: false, reason: 'not_found' };
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
