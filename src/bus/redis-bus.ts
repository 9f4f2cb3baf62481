// Redis pub/sub fan-out between nodes. Local listeners are called directly on publish; the
// node's own messages coming back from Redis are skipped by origin id.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type Bus, type BusEvent, createListenerSet } from './bus.ts';

export interface RedisBusOptions {
  /** Prefix of the channel (and of any key): SIGNOFF_REDIS_PREFIX, `signoff:` by default. */
  prefix?: string;
  /** The whole channel name, overriding the prefix (tests give each run its own). */
  channel?: string;
  onError?: (error: unknown) => void;
  /** How long connecting may take before start-up gives up; 5 seconds by default. */
  connectTimeoutMs?: number;
  /**
   * Redis went away after the start (told once per outage, with the first error) and came
   * back (both connections ready, the subscription renewed). Errors meanwhile go here, not to
   * `onError`: ioredis reports every failed reconnection attempt.
   */
  onDown?: (error: unknown) => void;
  onUp?: () => void;
}

/**
 * Reconnection attempts after a connection is lost: 50 ms, 100 ms… then every 500 ms at most,
 * so that a Redis that is back is used again within half a second (ioredis' own cap is 2 s).
 */
const reconnectDelay = (attempt: number) => Math.min(attempt * 50, 500);

// Messages above this size are split (a 30,000-session kick carries 30,000 ids).
const MAX_IDS_PER_MESSAGE = 5000;

/**
 * Connects a publisher and a subscriber, or fails within `connectTimeoutMs` with the first
 * error Redis gave (ioredis's own rejection only says "Connection is closed"), leaving no
 * client retrying behind.
 */
export async function createRedisBus(url: string, options: RedisBusOptions = {}): Promise<Bus> {
  const channel = options.channel ?? `${options.prefix ?? 'signoff:'}events`;
  const onError = options.onError ?? (() => {});
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const origin = randomUUID();
  const listeners = createListenerSet(onError);
  const clientOptions = {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    retryStrategy: reconnectDelay,
  } as const;
  // The publisher queues nothing while Redis is away: a publish fails at once (the session core
  // does not wait on it anyway), and other nodes catch up at their store poll. The subscriber
  // keeps ioredis' defaults: it re-subscribes by itself on reconnection.
  // A Redis that accepts a publish but does not answer it costs at most a second.
  const publisher = new Redis(url, {
    ...clientOptions,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
  });
  const subscriber = new Redis(url, clientOptions);

  let connected = false;
  let closing = false;
  let down = false;
  let firstError: unknown;
  const report = (error: unknown) => {
    if (!connected) firstError ??= error;
    else if (!down && !closing) {
      down = true;
      options.onDown?.(error);
    }
  };
  publisher.on('error', report);
  subscriber.on('error', report);
  // A connection closed without an error first (Redis shut down cleanly) is an outage too.
  const closed = () => {
    if (connected && !closing) report(new Error('connection to Redis closed'));
  };
  publisher.on('close', closed);
  subscriber.on('close', closed);
  const ready = () => {
    if (!connected || !down || publisher.status !== 'ready' || subscriber.status !== 'ready') return;
    down = false;
    options.onUp?.();
  };
  publisher.on('ready', ready);
  // The subscriber is 'ready' only once its subscriptions are renewed.
  subscriber.on('ready', ready);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([publisher.connect(), subscriber.connect()]).then(() => subscriber.subscribe(channel)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${connectTimeoutMs / 1000} s`)),
          connectTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw firstError instanceof Error ? firstError : error;
  } finally {
    clearTimeout(timer);
  }
  connected = true;

  subscriber.on('message', (_channel: string, raw: string) => {
    try {
      const message = JSON.parse(raw) as { origin: string; event: BusEvent };
      if (message.origin !== origin) listeners.emit(message.event);
    } catch (error) {
      onError(error);
    }
  });

  function split(event: BusEvent): BusEvent[] {
    if (event.type !== 'session.ended' || event.revoked.length <= MAX_IDS_PER_MESSAGE) return [event];
    const parts: BusEvent[] = [];
    for (let i = 0; i < event.revoked.length; i += MAX_IDS_PER_MESSAGE) {
      parts.push({ ...event, revoked: event.revoked.slice(i, i + MAX_IDS_PER_MESSAGE) });
    }
    return parts;
  }

  return {
    kind: 'redis',
    async publish(event) {
      listeners.emit(event);
      const pipeline = publisher.pipeline();
      for (const part of split(event)) pipeline.publish(channel, JSON.stringify({ origin, event: part }));
      await pipeline.exec();
    },
    subscribe: (listener) => listeners.add(listener),
    async ping() {
      // A client that lost its connection queues commands until it is back: say so at once.
      for (const [role, client] of [
        ['publisher', publisher],
        ['subscriber', subscriber],
      ] as const) {
        if (client.status !== 'ready') throw new Error(`the ${role} connection is ${client.status}`);
      }
      await publisher.ping();
    },
    async close() {
      // Quitting closes the connections: not an outage to report.
      closing = true;
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    },
  };
}
