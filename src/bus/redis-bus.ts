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
}

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
  const clientOptions = { lazyConnect: true, connectTimeout: connectTimeoutMs } as const;
  const publisher = new Redis(url, { ...clientOptions, maxRetriesPerRequest: 3 });
  const subscriber = new Redis(url, clientOptions);

  let connected = false;
  let firstError: unknown;
  const report = (error: unknown) => {
    if (connected) onError(error);
    else firstError ??= error;
  };
  publisher.on('error', report);
  subscriber.on('error', report);
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
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    },
  };
}
