// What administrators do with an app's back-channel logout deliveries: look at them, and
// queue failed (or delivered) ones again once the app is fixed.
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { DeliveryStatus } from '../model.ts';

export function createLogoutDeliveryService(deps: { store: Store; clock: Clock; wake: () => void }) {
  const { store, clock } = deps;
  return {
    list: (poolId: string, appId: string, status: DeliveryStatus | null, offset: number, limit: number) =>
      store.deliveries.list(poolId, appId, status, offset, limit),

    /** Every failed delivery of the app, or the listed ones; returns how many were queued again. */
    async replay(poolId: string, appId: string, which: string[] | 'failed') {
      const queued = await store.deliveries.replay(poolId, appId, which, clock.now());
      // This node sends them now; other nodes' timers would pick them up within a second too.
      if (queued > 0) deps.wake();
      return queued;
    },
  };
}

export type LogoutDeliveryService = ReturnType<typeof createLogoutDeliveryService>;
