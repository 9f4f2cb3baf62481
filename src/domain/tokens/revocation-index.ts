// The revocation index: ids of ended sessions and app sessions, in memory, on every node.
// A token check is one or two Map lookups, never a database query. An id may be forgotten
// once every token that could carry it has expired (ended time + access token lifetime),
// which bounds the index by the logout rate times the token lifetime.

export interface RevocationIndex {
  has(id: string): boolean;
  add(ids: Iterable<string>, endedAt: number): void;
  /** Forgets ids that no unexpired token can carry any more. Returns how many were dropped. */
  sweep(now: number): number;
  readonly size: number;
}

export function createRevocationIndex(retentionMs: number): RevocationIndex {
  const forgetAt = new Map<string, number>();
  return {
    has: (id) => forgetAt.has(id),
    add(ids, endedAt) {
      const until = endedAt + retentionMs;
      for (const id of ids) {
        const known = forgetAt.get(id);
        if (known === undefined || known < until) forgetAt.set(id, until);
      }
    },
    sweep(now) {
      let dropped = 0;
      for (const [id, until] of forgetAt) {
        if (until <= now) {
          forgetAt.delete(id);
          dropped++;
        }
      }
      return dropped;
    },
    get size() {
      return forgetAt.size;
    },
  };
}
