// An app's Shared Signals streams as its administrator sees them (API and console): each
// stream's ledger — pending, held, delivered, failed, the last error, the lag — and the way
// back for SETs given up on: queued again once the receiver is fixed (issue 9: "a 400 fails at
// once, replayable"), as back-channel deliveries are (logout/logout-deliveries.ts).
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';

export function createStreamLedger(deps: {
  store: Store;
  clock: Clock;
  /** Wakes the notice worker (push) and long polls on every node: SETs are pending again. */
  queued(poolId: string, appIds: string[]): void;
}) {
  const { store, clock } = deps;
  return {
    /** An app's streams, each with its ledger. */
    async ledger(poolId: string, appId: string) {
      const [streams, stats] = await Promise.all([
        store.ssf.listStreams(poolId, appId),
        store.ssf.stats(poolId, appId),
      ]);
      const byStream = new Map(stats.map((s) => [s.streamId, s]));
      return streams.map((stream) => ({
        stream,
        stats: byStream.get(stream.id) ?? {
          streamId: stream.id,
          pending: 0,
          held: 0,
          delivered: 0,
          failed: 0,
          lastError: null,
          oldestPendingAt: null,
        },
      }));
    },

    /**
     * Queues a stream's failed SETs again (every one, or the listed jtis among its failed and
     * delivered ones): pending, attempts from zero, the give-up horizon counted from now. Each
     * keeps its jti, so a receiver that had it already can tell (RFC 8417 §2.2). Null when the
     * app has no such stream.
     */
    async replay(poolId: string, appId: string, streamId: string, which: string[] | 'failed') {
      const stream = await store.ssf.getStream(poolId, appId, streamId);
      if (!stream) return null;
      const queued = await store.ssf.replay(poolId, stream.id, which, clock.now());
      if (queued > 0) deps.queued(poolId, [appId]);
      return queued;
    },
  };
}

export type StreamLedger = ReturnType<typeof createStreamLedger>;
