// When a notice that failed is tried again: the notice worker's backoff, and how it reads an
// app's Retry-After.
/** First retry 1–2 s after a failure, then doubling, never more than 5 minutes apart. */
export const RETRY_BASE_MS = 2000;
export const RETRY_CAP_MS = 5 * 60_000;

/**
 * How long to wait after the `failedAttempts`-th failed attempt: capped exponential backoff
 * with "equal jitter" (half fixed, half random), so that the notices of a mass logout to an
 * app that was down do not all come back at the same instant.
 */
export function retryDelay(failedAttempts: number, random: () => number = Math.random): number {
  const full = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 20));
  return Math.round(full / 2 + random() * (full / 2));
}

/**
 * How long a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) asks to wait,
 * in ms from `now`; 0 when it cannot be read.
 */
export function retryAfterMs(value: string, now: number): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? 0 : Math.max(at - now, 0);
}
