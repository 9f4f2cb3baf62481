// The administrator's view of a pool's users (issue 11): the list a page at a time, and
// profile edits (username, email, name) checked by the rules the API applies when it creates
// a user. Kept apart from the users service (sign-in, sign-up, passwords, deletion), which
// reads and writes a user as its owner does.
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { normalizeAccount, usernameProblem } from '../users/username.ts';

export interface ProfileInput {
  username: string | null;
  email: string | null;
  name: string | null;
}

export type ProfileField = keyof ProfileInput;

/** What is wrong with each field of a profile, in words that follow "It" (empty: nothing). */
export type ProfileProblems = Partial<Record<ProfileField | 'password', string>>;

const EMAIL = /^[^@\s]+@[^@\s]+$/;

/**
 * The problems of a profile (blank fields as null), as the API's schema and rules see them:
 * a username of at most 100 characters without `@`, spaces, control or invisible characters;
 * an email of at most 254; a name of at most 200; a username or an email at least.
 */
export function profileProblems(input: ProfileInput, password?: string): ProfileProblems {
  const problems: ProfileProblems = {};
  if (input.username !== null) {
    if (input.username.length > 100) problems.username = 'must be at most 100 characters';
    else if (/[@\s]/.test(input.username)) problems.username = 'must not contain @ or spaces';
    else {
      const problem = usernameProblem(input.username);
      if (problem) problems.username = problem;
    }
  }
  if (input.email !== null && (input.email.length > 254 || !EMAIL.test(input.email)))
    problems.email = 'must be an email address (name@example.com) of at most 254 characters';
  if (input.username === null && input.email === null)
    problems.username = 'or an email is needed: a user signs in with one of them';
  if (input.name !== null && input.name.length > 200) problems.name = 'must be at most 200 characters';
  if (password !== undefined && (password.length < 8 || password.length > 256))
    problems.password = 'must be 8 to 256 characters long';
  return problems;
}

export function createUserDirectory(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  return {
    /** A page of the pool's users, newest first (`page` counts from 1), optionally matching a query. */
    list: (poolId: string, query: string | null, page: number, limit: number) =>
      store.users.list(poolId, query?.trim() || null, (page - 1) * limit, limit),

    /** Sets a user's username, email and name (null clears one), as the user would be created. */
    async updateProfile(poolId: string, userId: string, input: ProfileInput) {
      const problems = profileProblems(input);
      if (Object.keys(problems).length > 0)
        return { ok: false as const, reason: 'invalid' as const, problems };
      return store.users.updateProfile(poolId, userId, {
        username: input.username === null ? null : normalizeAccount(input.username),
        // Emails are kept lower-case, as at creation: uniqueness and sign-in ignore case.
        email: input.email === null ? null : input.email.toLowerCase(),
        name: input.name,
        updatedAt: clock.now(),
      });
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
