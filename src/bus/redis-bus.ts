// Redis pub/sub fan-out between nodes. Local listeners are called directly on publish; the
// node's own messages coming back from Redis are skipped by origin id.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type Bus, type BusEvent, createListenerSet } from './bus.ts';

export interface RedisBusOptions {
  channel?: string;
  onError?: (error: unknown) => void;
}

// Messages above this size are split (a 30,000-session kick carries 30,000 ids).
const MAX_IDS_PER_MESSAGE = 5000;

export async function createRedisBus(url: string, options: RedisBusOptions = {}): Promise<Bus> {
  const channel = options.channel ?? 'signoff:events';
  const onError = options.onError ?? (() => {});
  const origin = randomUUID();
  const listeners = createListenerSet(onError);
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const subscriber = new Redis(url, { lazyConnect: true });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  await Promise.all([publisher.connect(), subscriber.connect()]);
  await subscriber.subscribe(channel);
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
    async close() {
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    },
  };
}
