// The verifier's revocation index (DESIGN principle 7): in memory, "not before" times per
// Signoff session (`sid`) and per user (`sub`), in seconds like a token's `iat`. A token is
// revoked when it was issued at or before the end of its session or of its user's sessions:
// `iat <= notBefore[sid]` or `iat <= notBefore[sub]`. A user-level entry stands for every
// session of the user in this app (a kick, "log out everywhere", a deletion); signing in again
// afterwards gives a token with a later `iat`, which passes. The check is two Map lookups.
//
// Same-second caveat: `iat` and the event time are whole seconds, so a token issued in the same
// second as the end it follows is refused too (the safe side of the tie).

/**
 * "Not before" times of ended sessions and users, and the check a token's claims go through.
 *
 * @example
 * ```ts
 * const index = createRevocationIndex();
 * index.revokeSession('sid-1', 1767225600);
 * index.isRevoked({ sid: 'sid-1', sub: 'user-1', iat: 1767225500 }); // true
 * index.isRevoked({ sid: 'sid-2', sub: 'user-1', iat: 1767225500 }); // false
 * ```
 */
export interface RevocationIndex {
  /** Every token of the session issued at or before `at` (seconds) is revoked. */
  revokeSession(sid: string, at: number): void;
  /** Every token of the user issued at or before `at` (seconds) is revoked, whatever its session. */
  revokeUser(sub: string, at: number): void;
  isRevoked(claims: { sid: string; sub: string; iat: number }): boolean;
  /** Forgets entries from before `before` (seconds): no unexpired token can be older. Returns how many. */
  sweep(before: number): number;
  readonly sessions: number;
  readonly users: number;
}

/**
 * An empty {@link RevocationIndex}.
 *
 * @example
 * ```ts
 * const index = createRevocationIndex();
 * index.revokeUser('user-1', Math.floor(Date.now() / 1000)); // a kick: all their sessions
 * ```
 */
export function createRevocationIndex(): RevocationIndex {
  const bySession = new Map<string, number>();
  const byUser = new Map<string, number>();
  const raise = (map: Map<string, number>, id: string, at: number) => {
    const known = map.get(id);
    if (known === undefined || known < at) map.set(id, at);
  };
  const drop = (map: Map<string, number>, before: number) => {
    let dropped = 0;
    for (const [id, at] of map) {
      if (at < before) {
        map.delete(id);
        dropped++;
      }
    }
    return dropped;
  };
  return {
    revokeSession: (sid, at) => raise(bySession, sid, at),
    revokeUser: (sub, at) => raise(byUser, sub, at),
    isRevoked({ sid, sub, iat }) {
      const session = bySession.get(sid);
      if (session !== undefined && iat <= session) return true;
      const user = byUser.get(sub);
      return user !== undefined && iat <= user;
    },
    sweep: (before) => drop(bySession, before) + drop(byUser, before),
    get sessions() {
      return bySession.size;
    },
    get users() {
      return byUser.size;
    },
  };
}
