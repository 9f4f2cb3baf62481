// Slows password guessing on the hosted login page: a sliding window of recent failures per
// account (so one account cannot be guessed at from many addresses) and per client address
// (so one address cannot spray many accounts). Kept in memory, per node: a restart forgets it,
// and with N nodes behind a balancer an attacker gets at most N times the limit.
import type { Clock } from '../clock.ts';

export interface ThrottleLimits {
  /** Failures allowed per account within the window. */
  perAccount: number;
  /** Failures allowed per client address within the window. */
  perIp: number;
  /** Milliseconds. */
  windowMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perAccount: 5,
  perIp: 50,
  windowMs: 15 * 60_000,
};

export interface LoginAttempt {
  poolId: string;
  /** Who is being signed in to: the caller picks a key that is the same however the account is named. */
  account: string;
  ip: string | null;
}

export interface LoginThrottle {
  /** Null when an attempt may go ahead, else when the oldest counted failure leaves the window. */
  check(attempt: LoginAttempt): { retryAt: number } | null;
  recordFailure(attempt: LoginAttempt): void;
  /** A correct password clears the account's failures (not the address's). */
  recordSuccess(attempt: LoginAttempt): void;
}

// Bounds memory under a flood of distinct accounts or addresses: past this many keys the
// oldest-inserted are forgotten, which only ever lets an attempt through, never locks one out.
const MAX_KEYS = 100_000;

export function createLoginThrottle(
  clock: Clock,
  limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS,
): LoginThrottle {
  // Failure times per key, oldest first, at most `limit` of them: a key that reached its limit
  // stays blocked until its oldest failure is older than the window.
  const failures = new Map<string, number[]>();

  const accountKey = (a: LoginAttempt) => `a\u0000${a.poolId}\u0000${a.account}`;
  const ipKey = (a: LoginAttempt) => (a.ip ? `i\u0000${a.ip}` : null);

  function recent(key: string, now: number): number[] {
    const times = failures.get(key);
    if (!times) return [];
    const live = times.filter((t) => now - t < limits.windowMs);
    if (live.length === 0) failures.delete(key);
    else if (live.length !== times.length) failures.set(key, live);
    return live;
  }

  function blockedUntil(key: string | null, limit: number, now: number): number | null {
    if (key === null) return null;
    const times = recent(key, now);
    return times.length >= limit ? times[times.length - limit]! + limits.windowMs : null;
  }

  function add(key: string | null, limit: number, now: number) {
    if (key === null) return;
    const times = recent(key, now);
    times.push(now);
    failures.delete(key);
    if (failures.size >= MAX_KEYS) failures.delete(failures.keys().next().value!);
    failures.set(key, times.slice(-limit));
  }

  return {
    check(attempt) {
      const now = clock.now();
      const until = Math.max(
        blockedUntil(accountKey(attempt), limits.perAccount, now) ?? 0,
        blockedUntil(ipKey(attempt), limits.perIp, now) ?? 0,
      );
      return until > 0 ? { retryAt: until } : null;
    },
    recordFailure(attempt) {
      const now = clock.now();
      add(accountKey(attempt), limits.perAccount, now);
      add(ipKey(attempt), limits.perIp, now);
    },
    recordSuccess(attempt) {
      failures.delete(accountKey(attempt));
    },
  };
}
