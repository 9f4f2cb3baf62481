// Keeps a node's revocation index current: loaded from the store at boot (so a revocation
// acknowledged before a crash holds after it), fed by the bus, and re-read from the store
// every few seconds as a safety net for messages a node missed (or ends written by another
// process, such as the CLI, on a deployment without Redis).
import type { Bus } from '../../bus/bus.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { RevocationIndex } from './revocation-index.ts';

export interface RevocationSyncDeps {
  store: Store;
  bus: Bus;
  index: RevocationIndex;
  clock: Clock;
  /** For a bus message of a node that does not say until when (older versions): the token lifetime. */
  retentionMs: number;
  pollMs?: number;
  onError?: (error: unknown) => void;
  /** A background poll worked (after failures: the store answers again). */
  onPolled?: () => void;
  /**
   * An end this node had not applied yet reached it (metrics): from the bus, or from the store
   * poll (a message missed, or a writer without a bus), `lagMs` after it was committed.
   */
  onApplied?: (source: 'bus' | 'poll', lagMs: number) => void;
}

// Re-read a margin before the last poll: a transaction that took its time stamp before the
// poll but committed after it is still seen.
const POLL_OVERLAP_MS = 30_000;

export async function startRevocationSync(deps: RevocationSyncDeps) {
  const { store, bus, index, clock } = deps;

  // At boot, every revocation that still holds, however long ago it was recorded; then the
  // ends recorded since the last look.
  const boot = clock.now();
  for (const { id, holdsUntil } of await store.sessions.listHolding(boot)) index.add([id], holdsUntil);
  let since = boot - POLL_OVERLAP_MS;

  // Ids this node already holds (its own ends, or ends seen on the bus) are not news; the
  // others are ends that reached it only now: told once per end, whatever its number of ids.
  async function poll(observe = true) {
    const from = clock.now();
    const news = new Set<number>();
    for (const { id, endedAt, holdsUntil } of await store.sessions.listEndedSince(since)) {
      if (observe && !index.has(id)) news.add(endedAt);
      index.add([id], holdsUntil);
    }
    since = from - POLL_OVERLAP_MS;
    index.sweep(clock.now());
    for (const endedAt of news) deps.onApplied?.('poll', from - endedAt);
  }

  await poll(false);
  // A message's ids travel together: the first tells whether this node holds them already. A
  // large end comes in several messages (src/bus/redis-bus.ts), one after the other: told once.
  let lastTold: string | null = null;
  const unsubscribe = bus.subscribe((event) => {
    if (event.type !== 'session.ended') return;
    const first = event.revoked[0];
    if (first !== undefined && !index.has(first) && event.recordId !== lastTold) {
      lastTold = event.recordId;
      deps.onApplied?.('bus', clock.now() - event.at);
    }
    index.add(event.revoked, event.holdsUntil ?? event.at + deps.retentionMs);
  });
  const timer = setInterval(() => {
    poll().then(
      () => deps.onPolled?.(),
      (error: unknown) => deps.onError?.(error),
    );
  }, deps.pollMs ?? 2000);
  timer.unref();

  return {
    poll,
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
