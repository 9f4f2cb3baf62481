import { type Bus, createListenerSet } from './bus.ts';

export function createMemoryBus(onError: (error: unknown) => void = () => {}): Bus {
  const listeners = createListenerSet(onError);
  return {
    kind: 'memory',
    async publish(event) {
      listeners.emit(event);
    },
    subscribe: (listener) => listeners.add(listener),
    async ping() {},
    async close() {},
  };
}
