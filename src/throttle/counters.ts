// Where the sign-in throttles keep their counts: per key, a set of timestamped entries (one
// per attempt or per lockout). In memory by default; in Redis when REDIS_URL is set, so that
// every node counts the same failures and N nodes do not give a guesser N times the tries
// (redis-counters.ts). The domain's throttle (src/domain/auth/throttle.ts) decides what the
// keys and limits are; this layer only stores and counts, atomically per key.

export interface ThrottleEntry {
  /** Unique within its key: lets one entry be taken back (a reserved attempt that succeeded). */
  id: string;
  /** Epoch milliseconds: when it happened, or (for a lockout) when it ends. */
  at: number;
}

export interface ThrottleCounters {
  readonly kind: 'memory' | 'redis';
  /** The entries of `key` later than `after`, oldest first. */
  read(key: string, after: number): Promise<number[]>;
  /**
   * Atomically: forgets the entries of `key` at or before `after`; then, when fewer than
   * `limit` remain, adds `entry` and keeps the key `ttlMs` from now. Resolves to whether the
   * entry was added and the times held afterwards, oldest first.
   */
  add(
    key: string,
    entry: ThrottleEntry,
    options: { after: number; limit: number; ttlMs: number },
  ): Promise<{ added: boolean; times: number[] }>;
  /** Takes one entry back. */
  remove(key: string, id: string): Promise<void>;
  /** Forgets keys altogether. */
  clear(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

// Bounds memory under a flood of distinct accounts or addresses: past this many keys the
// oldest-inserted are forgotten, which only ever lets an attempt through, never locks one out.
const MAX_KEYS = 100_000;

/**
 * Counts in this process only. A key's old entries are dropped when one is added, and whole
 * keys when MAX_KEYS is reached (no TTLs: every read says which entries still count).
 */
export function createMemoryThrottleCounters(maxKeys = MAX_KEYS): ThrottleCounters {
  const keys = new Map<string, ThrottleEntry[]>();

  /** The entries later than `after`; with `forget`, the others are dropped (as `add` does). */
  function live(key: string, after: number, forget: boolean): ThrottleEntry[] {
    const entries = keys.get(key);
    if (!entries) return [];
    const kept = entries.filter((e) => e.at > after);
    if (forget && kept.length === 0) keys.delete(key);
    else if (forget && kept.length !== entries.length) keys.set(key, kept);
    return kept;
  }

  const timesOf = (entries: ThrottleEntry[]) => entries.map((e) => e.at).sort((a, b) => a - b);

  return {
    kind: 'memory',
    async read(key, after) {
      return timesOf(live(key, after, false));
    },
    async add(key, entry, { after, limit }) {
      const entries = live(key, after, true);
      if (entries.length >= limit) return { added: false, times: timesOf(entries) };
      const next = [...entries, entry];
      // Re-inserted, so that insertion order is recency order for the eviction below.
      keys.delete(key);
      if (keys.size >= maxKeys) keys.delete(keys.keys().next().value!);
      keys.set(key, next);
      return { added: true, times: timesOf(next) };
    },
    async remove(key, id) {
      const entries = keys.get(key);
      if (!entries) return;
      const kept = entries.filter((e) => e.id !== id);
      if (kept.length === 0) keys.delete(key);
      else keys.set(key, kept);
    },
    async clear(list) {
      for (const key of list) keys.delete(key);
    },
    async close() {},
  };
}

/**
 * Counters that use `primary` (Redis) while it answers and this node's memory while it does
 * not. Why not fail closed: a Redis outage would then lock every user out of every app; why not
 * fail open: an attacker able to disturb Redis would then guess freely. On memory, each node
 * still throttles, as a single node does — at worst N nodes give N times the tries until Redis
 * is back. `onDegraded` is called once when Redis stops answering, `onRecovered` once when it
 * answers again (for the log). Closing it leaves `primary` open: it belongs to whoever made it.
 */
export function withMemoryFallback(
  primary: ThrottleCounters,
  hooks: { onDegraded(error: unknown): void; onRecovered(): void },
  fallback: ThrottleCounters = createMemoryThrottleCounters(),
): ThrottleCounters {
  let degraded = false;
  async function attempt<T>(op: (counters: ThrottleCounters) => Promise<T>): Promise<T> {
    try {
      const result = await op(primary);
      if (degraded) {
        degraded = false;
        hooks.onRecovered();
      }
      return result;
    } catch (error) {
      if (!degraded) {
        degraded = true;
        hooks.onDegraded(error);
      }
      return op(fallback);
    }
  }
  return {
    kind: primary.kind,
    read: (key, after) => attempt((c) => c.read(key, after)),
    add: (key, entry, options) => attempt((c) => c.add(key, entry, options)),
    remove: (key, id) => attempt((c) => c.remove(key, id)),
    clear: (keys) => attempt((c) => c.clear(keys)),
    close: () => fallback.close(),
  };
}
