// The SDK's reading of Signoff's JSON answers: bodies that may not be JSON, refusals in OAuth's
// or SSF's words, and the timeout every request of the verifier's feed carries. Internal: the
// package's index does not export it.
import { SignoffError, SignoffErrorCode } from './http.ts';

/**
 * One request of discovery or the feed (not the long poll) that takes longer is taken as lost.
 *
 * @example
 * ```ts
 * await fetch(url, { signal: within(REQUEST_TIMEOUT_MS) });
 * ```
 */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A JSON object, as parsed.
 *
 * @example
 * ```ts
 * const body: Json = { issuer: 'https://id.example.com/oidc' };
 * ```
 */
export type Json = Record<string, unknown>;

/**
 * Whether a parsed value is a JSON object (not null, not an array).
 *
 * @example
 * ```ts
 * if (isRecord(body) && typeof body.issuer === 'string') use(body.issuer);
 * ```
 */
export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A response's body as JSON, or null when it is empty or not JSON (a proxy's HTML error page).
 *
 * @example
 * ```ts
 * const body = await readJSON(await fetch(url));
 * ```
 */
export async function readJSON(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** A refusal's words, from an OAuth ({error, error_description}) or SSF ({err, description}) body. */
function problemOf(body: unknown): string {
  if (!isRecord(body)) return '';
  const code = body.error ?? body.err;
  const text = body.error_description ?? body.description;
  return [code, text].filter((part) => typeof part === 'string').join(': ');
}

/**
 * The error for a refused request: its status, what was asked, and the refusal's own words.
 *
 * @example
 * ```ts
 * if (!response.ok) throw failure(response.status, 'creating the stream', await readJSON(response));
 * ```
 */
export const failure = (status: number, what: string, body: unknown) => {
  const problem = problemOf(body);
  return new SignoffError(
    status,
    SignoffErrorCode.UNKNOWN,
    `${what}: HTTP ${status}${problem ? ` (${problem})` : ''}`,
  );
};

/**
 * A signal that aborts with `signal` or after `ms`.
 *
 * @example
 * ```ts
 * await fetch(url, { signal: within(10_000, stopping.signal) });
 * ```
 */
export const within = (ms: number, signal?: AbortSignal) =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
