// Slows password (and pool secret) guessing. A throttle has named rules — per account, per
// client address… — each a sliding window of recent failures; an attempt goes ahead only when
// every one of its keys is under its limit. The counts live in a ThrottleCounters store: this
// node's memory, or Redis shared by every node (src/throttle/), so that N nodes do not give a
// guesser N times the tries (issue 10).
//
// An attempt takes its try *before* the password is checked (begin) and gives it back if the
// password was right (succeeded): checking first and counting after would let a burst of
// parallel requests all pass the check while the first hash is still being computed.
import { randomUUID } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { ThrottleCounters } from '../../throttle/counters.ts';
import type { Clock } from '../clock.ts';
import { ipv6Groups } from '../notices/private-address.ts';

/** The sign-in limits (settings.loginThrottle): the hosted login, the API and the console. */
export interface ThrottleLimits {
  /** Failures allowed per account within the window (the console: per account and address). */
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

export interface ThrottleRule {
  /** Failures allowed within the window. */
  limit: number;
  windowMs: number;
  /**
   * A correct password forgets this key's failures: yes for an account, no for an address
   * (one success there says nothing of the other accounts it tried).
   */
  clearOnSuccess?: boolean;
  /**
   * Lockouts that grow: the failure that fills the window locks the key for `windowMs`, and each
   * lockout starting within `memoryMs` of the end of the previous one lasts twice as long, up
   * to `maxMs`. After a lockout the count starts again. Without it, a full key waits only until
   * its oldest failure leaves the window.
   */
  backoff?: { maxMs: number; memoryMs: number };
}

/** A refused attempt, for whoever counts them (metrics). */
export interface ThrottleRefusal {
  /** Which throttle: `sign-in`, `console` or `pool-token`. */
  throttle: string;
  /** The rules whose keys were full or locked, e.g. `account`, `address`. */
  rules: string[];
  retryAt: number;
}

export type ThrottleAttempt =
  | {
      ok: true;
      /** The password was wrong: the try stays counted. */
      failed(): Promise<void>;
      /** The password was right: the try is given back (and the account's count cleared). */
      succeeded(): Promise<void>;
    }
  /** Too many recent failures for one of the keys; nothing may be checked before retryAt. */
  | { ok: false; retryAt: number };

export interface Throttle<Rule extends string> {
  /** Takes one try under each key given (null: that rule does not apply to this attempt). */
  begin(keys: Record<Rule, string | null>): Promise<ThrottleAttempt>;
}

export function createThrottle<Rule extends string>(deps: {
  /** Names the throttle in its counters' keys and in refusals. */
  name: string;
  rules: Record<Rule, ThrottleRule>;
  counters: ThrottleCounters;
  clock: Clock;
  onRefused?: (refusal: ThrottleRefusal) => void;
}): Throttle<Rule> {
  const { name, rules, counters, clock } = deps;
  // The subject comes last, so that one of a rule can never read as another's key.
  const keyOf = (rule: string, subject: string) => `${name}:${rule}:${subject}`;
  const locksOf = (rule: string, subject: string) => `${name}:${rule}.locks:${subject}`;

  return {
    async begin(keys) {
      const now = clock.now();
      const id = randomUUID();
      const taken: { rule: ThrottleRule; key: string; locks: string; filled: boolean }[] = [];
      const refusedBy: string[] = [];
      let retryAt = 0;
      const refuse = (rule: string, until: number) => {
        refusedBy.push(rule);
        retryAt = Math.max(retryAt, until);
      };

      for (const [ruleName, subject] of Object.entries(keys) as [Rule, string | null][]) {
        if (subject === null) continue;
        const rule = rules[ruleName];
        const key = keyOf(ruleName, subject);
        const locks = locksOf(ruleName, subject);
        if (rule.backoff) {
          // Lockouts are stored by when they end: any ending after now is in force.
          const ends = await counters.read(locks, now);
          if (ends.length > 0) {
            refuse(ruleName, Math.max(...ends));
            continue;
          }
        }
        const { added, times } = await counters.add(
          key,
          { id, at: now },
          { after: now - rule.windowMs, limit: rule.limit, ttlMs: rule.windowMs },
        );
        if (added) taken.push({ rule, key, locks, filled: times.length >= rule.limit });
        else refuse(ruleName, times[times.length - rule.limit]! + rule.windowMs);
      }

      if (refusedBy.length > 0) {
        await Promise.all(taken.map((t) => counters.remove(t.key, id)));
        deps.onRefused?.({ throttle: name, rules: refusedBy, retryAt });
        return { ok: false, retryAt };
      }

      return {
        ok: true,
        async failed() {
          for (const t of taken) {
            if (!t.rule.backoff || !t.filled) continue;
            const at = clock.now();
            const { maxMs, memoryMs } = t.rule.backoff;
            const earlier = (await counters.read(t.locks, at - memoryMs)).length;
            const duration = Math.min(t.rule.windowMs * 2 ** earlier, Math.max(maxMs, t.rule.windowMs));
            await counters.add(
              t.locks,
              { id, at: at + duration },
              { after: at - memoryMs, limit: Number.POSITIVE_INFINITY, ttlMs: duration + memoryMs },
            );
            await counters.clear([t.key]);
          }
        },
        async succeeded() {
          await Promise.all(
            taken.map((t) =>
              t.rule.clearOnSuccess ? counters.clear([t.key, t.locks]) : counters.remove(t.key, id),
            ),
          );
        },
      };
    },
  };
}

/**
 * The address a throttle counts by: an IPv4 address as it is (also when IPv4-mapped, as a
 * dual-stack socket reports it); an IPv6 address by its /64, the block one subscriber or one
 * LAN is given — one host can pick any address in it, so counting per address would let it
 * rotate through 2^64 fresh counts.
 */
export function addressKey(ip: string | null): string | null {
  if (ip === null || ip === '') return null;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip.split('%')[0]!)) return ip;
  const g = ipv6Groups(ip);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`;
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
