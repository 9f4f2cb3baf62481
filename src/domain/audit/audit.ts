// The audit trail (DESIGN: every end has a reason, an actor and a time): session ends, and the
// password changes and resets that may have caused some of them (a change has the id of the
// end it caused), read by page for the API and the console.
import type { Store } from '../../store/store.ts';

export function createAuditService(deps: { store: Store }) {
  const { store } = deps;
  return {
    /** A pool's session ends, newest first; `page` counts from 1. */
    sessionEnds: (poolId: string, page: number, limit: number) =>
      store.audit.listSessionEnds(poolId, (page - 1) * limit, limit),
    /** A pool's password changes and resets, newest first; `page` counts from 1. */
    credentialChanges: (poolId: string, page: number, limit: number) =>
      store.audit.listCredentialChanges(poolId, (page - 1) * limit, limit),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
