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

  async function poll() {
    const from = clock.now();
    for (const { id, holdsUntil } of await store.sessions.listEndedSince(since)) index.add([id], holdsUntil);
    since = from - POLL_OVERLAP_MS;
    index.sweep(clock.now());
  }

  index.sweep(boot);
  const unsubscribe = bus.subscribe((event) => {
    if (event.type === 'session.ended')
      index.add(event.revoked, event.holdsUntil ?? event.at + deps.retentionMs);
  });
  const timer = setInterval(() => {
    poll().catch((error: unknown) => deps.onError?.(error));
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
