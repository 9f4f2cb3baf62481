// Self sign-up: people create their own account in a pool whose administrator turned it on
// (off by default), through the hosted page (/signup) or the Authing-shaped API
// (POST /api/v2/register/email). Both come here, so that they share the rules and the count.
import type { Store } from '../../store/store.ts';
import type { User } from '../model.ts';
import { passwordProblem } from '../passwords.ts';
import { usernameProblem } from '../users/username.ts';
import type { UserService } from '../users/users.ts';
import { addressKey, type Throttle } from './throttle.ts';

/** The sign-up throttle's rule (services.ts gives it the sign-in's per-address limit). */
export type SignUpRule = 'address';

/** The same rules as the management API's user body (src/http/api/users.ts). */
export const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+$/;
const LIMITS = { email: { min: 3, max: 254 }, username: { min: 1, max: 100 }, name: { min: 1, max: 200 } };

export interface SignUpInput {
  poolId: string;
  email: string;
  password: string;
  username?: string | null;
  name?: string | null;
  /** The client's address: sign-ups are counted per address. */
  ip: string | null;
}

export type SignUpField = 'email' | 'password' | 'username' | 'name';

export type SignUpResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'pool_not_found' | 'disabled' }
  /** A field breaks a rule ("must be at least 8 characters"); nothing was counted or written. */
  | { ok: false; reason: 'invalid'; field: SignUpField; problem: string }
  | { ok: false; reason: 'exists'; conflict: 'email' | 'username' }
  | { ok: false; reason: 'throttled'; retryAt: number };

function lengthProblem(value: string, limits: { min: number; max: number }): string | null {
  const length = [...value].length;
  if (length < limits.min) return `must be at least ${limits.min} characters`;
  if (length > limits.max) return `must be at most ${limits.max} characters`;
  return null;
}

function fieldProblem(input: SignUpInput): { field: SignUpField; problem: string } | null {
  const email =
    lengthProblem(input.email, LIMITS.email) ??
    (EMAIL_PATTERN.test(input.email) ? null : 'must be an email address');
  if (email) return { field: 'email', problem: email };
  if (input.username) {
    const username =
      lengthProblem(input.username, LIMITS.username) ??
      (/[@\s]/.test(input.username) ? 'must not contain "@" or spaces' : usernameProblem(input.username));
    if (username) return { field: 'username', problem: username };
  }
  if (input.name) {
    const name = lengthProblem(input.name, LIMITS.name);
    if (name) return { field: 'name', problem: name };
  }
  const password = passwordProblem(input.password);
  return password ? { field: 'password', problem: password } : null;
}

export function createSignUpService(deps: {
  store: Store;
  users: Pick<UserService, 'create'>;
  throttle: Throttle<SignUpRule>;
}) {
  const { store, users, throttle } = deps;
  return {
    /**
     * Creates the account when the pool takes sign-ups. Every attempt that reaches the store is
     * counted per client address, whatever its outcome: an existing email is what someone
     * probing for accounts learns, a new account what a script creating them in bulk gets.
     */
    async signUp(input: SignUpInput): Promise<SignUpResult> {
      const pool = await store.pools.get(input.poolId);
      if (!pool) return { ok: false, reason: 'pool_not_found' };
      if (!pool.signUpEnabled) return { ok: false, reason: 'disabled' };
      const problem = fieldProblem(input);
      if (problem) return { ok: false, reason: 'invalid', ...problem };
      const attempt = await throttle.begin({ address: addressKey(input.ip) });
      if (!attempt.ok) return { ok: false, reason: 'throttled', retryAt: attempt.retryAt };
      const created = await users.create(pool.id, {
        email: input.email,
        password: input.password,
        username: input.username || null,
        name: input.name || null,
      });
      // The try stays counted: failed() keeps it (succeeded() would give it back).
      await attempt.failed();
      if (created.ok) return { ok: true, user: created.user };
      if (created.conflict === 'id') throw new Error('user id collision');
      return { ok: false, reason: 'exists', conflict: created.conflict };
    },
  };
}

export type SignUpService = ReturnType<typeof createSignUpService>;
