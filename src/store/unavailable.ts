// The store could not be reached — PostgreSQL down, restarting, or the network between —
// as opposed to a statement that failed. The HTTP layer answers it 503 / 5031 with
// Retry-After (a client should simply retry), background work waits for the store to answer
// again; neither is a bug, so neither logs a stack per occurrence.
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

// Socket-level failures: the server is gone, refusing, unreachable, or stopped answering.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATE (PostgreSQL appendix A): 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now (starting up, shutting down, in recovery); class 08 is
// "connection exception".
const SERVER_GONE = new Set(['57P01', '57P02', '57P03']);

// What pg and pg-pool say in words, without a code: the socket closed under a query, the pool
// gave up waiting for a connection (connectionTimeoutMillis), or a client that already failed.
const MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /Client was closed and is not queryable/i,
];

/** Whether `error` says the database could not be reached (rather than refused a statement). */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.every(isConnectionFailure);
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_GONE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && MESSAGES.some((m) => m.test(message));
}

/** `error` as a StoreUnavailableError when it is a connection failure, else unchanged. */
export function asStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isConnectionFailure(error)) return error;
  const cause = error instanceof Error ? error.message || (error as { code?: string }).code : String(error);
  return new StoreUnavailableError(`the store is unavailable: ${cause || 'connection failed'}`, {
    cause: error,
  });
}
