// Throttle counts shared by every node through Redis (REDIS_URL): one sorted set per key,
// entries scored by their time, updated by a Lua script so that "forget the old ones, add one
// if under the limit" is one atomic step — two nodes racing cannot both take the last try.
// Times come from the nodes' clocks (keep them in sync, as tokens' exp already needs).
import { Redis } from 'ioredis';
import type { ThrottleCounters } from './counters.ts';

export interface RedisThrottleCountersOptions {
  /** Prepended to every key; `signoff:throttle:` by default. */
  prefix?: string;
  /** Connection errors, as ioredis reports them (commands that fail also reject). */
  onError?: (error: unknown) => void;
  /** A command unanswered after this long fails (and the throttle falls back to memory). */
  commandTimeoutMs?: number;
}

// KEYS[1] the key; ARGV: after, limit, at, id, ttlMs. Returns {added, {member, score, …}}.
const ADD = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local added = 0
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  added = 1
end
return {added, redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}
`;

type ThrottleRedis = Redis & {
  signoffThrottleAdd(
    key: string,
    after: number,
    limit: number,
    at: number,
    id: string,
    ttlMs: number,
  ): Promise<[number, string[]]>;
};

/** Scores out of a WITHSCORES reply (member, score, member, score…), in its order. */
const scores = (reply: string[]) => reply.filter((_, i) => i % 2 === 1).map(Number);

export async function createRedisThrottleCounters(
  url: string,
  options: RedisThrottleCountersOptions = {},
): Promise<ThrottleCounters> {
  const prefix = options.prefix ?? 'signoff:throttle:';
  const client = new Redis(url, {
    lazyConnect: true,
    // A sign-in must not wait for Redis to come back: while it is unreachable commands fail at
    // once, and the throttle counts in memory meanwhile (withMemoryFallback).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 1000,
  }) as ThrottleRedis;
  // ioredis reports every failed reconnection attempt: told once per outage (the fallback
  // logs its own degraded/recovered lines).
  let down = false;
  client.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    options.onError?.(error);
  });
  client.on('ready', () => {
    down = false;
  });
  client.defineCommand('signoffThrottleAdd', { numberOfKeys: 1, lua: ADD });
  await client.connect();

  return {
    kind: 'redis',
    async read(key, after) {
      return scores(await client.zrangebyscore(prefix + key, `(${after}`, '+inf', 'WITHSCORES'));
    },
    async add(key, entry, { after, limit, ttlMs }) {
      const [added, reply] = await client.signoffThrottleAdd(
        prefix + key,
        after,
        Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER,
        entry.at,
        entry.id,
        Math.max(1, Math.ceil(ttlMs)),
      );
      return { added: added === 1, times: scores(reply) };
    },
    async remove(key, id) {
      await client.zrem(prefix + key, id);
    },
    async clear(keys) {
      if (keys.length > 0) await client.del(...keys.map((k) => prefix + k));
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
