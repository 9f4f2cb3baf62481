// The revocation index: ids of ended sessions and app sessions, in memory, on every node.
// A token check is one or two Map lookups, never a database query. An id is forgotten once
// every token that could carry it has expired: the end records until when that is (the
// latest expiry of a token issued on its sessions), so a lifetime configured shorter later
// brings no revoked token back (issue 10), and the index stays bounded by the logout rate
// times the token lifetime.

export interface RevocationIndex {
  has(id: string): boolean;
  /** Revokes ids until `holdsUntil` (ms), or longer when another end said so. */
  add(ids: Iterable<string>, holdsUntil: number): void;
  /** Forgets ids that no unexpired token can carry any more. Returns how many were dropped. */
  sweep(now: number): number;
  readonly size: number;
}

export function createRevocationIndex(): RevocationIndex {
  const forgetAt = new Map<string, number>();
  return {
    has: (id) => forgetAt.has(id),
    add(ids, until) {
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
