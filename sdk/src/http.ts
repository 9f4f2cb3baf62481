// The one place the SDK talks HTTP. Web platform APIs only (fetch, URL, Headers), so the same
// code runs in browsers, Node.js, Deno, Bun and workers.

/**
 * Signoff's stable error codes (CONTRACT §2). Codes shared with Authing keep Authing's number.
 *
 * @example
 * ```ts
 * try {
 *   await auth.getCurrentUser();
 * } catch (error) {
 *   if (error instanceof SignoffError && error.code === SignoffErrorCode.NOT_LOGGED_IN) showLogin();
 * }
 * ```
 */
export const SignoffErrorCode = {
  /** The server could not be reached, or answered without a Signoff error body. */
  UNKNOWN: 0,
  NO_PERMISSION: 1001,
  USER_NOT_FOUND: 2004,
  APPLICATION_NOT_FOUND: 2011,
  NOT_LOGGED_IN: 2020,
  USER_POOL_NOT_FOUND: 2224,
  INVALID_REQUEST: 4000,
  WRONG_CREDENTIALS: 4010,
  SESSION_NOT_FOUND: 4041,
  CONFLICT: 4090,
  TOO_MANY_REQUESTS: 4290,
  INTERNAL: 5000,
} as const;

/**
 * A request Signoff refused, or one that never reached it.
 *
 * - `status`: the HTTP status (0 when the request failed before an answer: network, CORS, DNS).
 * - `code`: Signoff's stable error code ({@link SignoffErrorCode}); 0 when the answer carried
 *   none (a proxy's error page, a network failure).
 * - `message`: the server's message; for a 400 it names the field.
 *
 * @example
 * ```ts
 * try {
 *   await auth.login('ada', 'wrong password');
 * } catch (error) {
 *   if (error instanceof SignoffError) console.log(error.status, error.code, error.message); // 401 4010 …
 * }
 * ```
 */
export class SignoffError extends Error {
  override name = 'SignoffError';
  readonly status: number;
  readonly code: number;
  constructor(status: number, code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

/**
 * The `fetch` the SDK calls: the platform's by default, or one you pass in (to add logging,
 * retries, a proxy agent, or to test).
 *
 * @example
 * ```ts
 * const logged: FetchLike = async (url, init) => {
 *   const res = await fetch(url, init);
 *   console.log(init.method, url, res.status);
 *   return res;
 * };
 * const auth = new AuthenticationClient({ host, appId, fetch: logged });
 * ```
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * How to reach a Signoff server; shared by both clients.
 *
 * @example
 * ```ts
 * const config: HttpConfig = { host: 'https://id.example.com', fetch: defaultFetch() };
 * ```
 */
export interface HttpConfig {
  /** Base URL, with or without a path prefix (`https://example.com/auth`). */
  host: string;
  fetch: FetchLike;
  /** `include` in browsers so the SSO session cookie travels; unset for server-to-server calls. */
  credentials?: RequestCredentials | undefined;
}

/**
 * One API call.
 *
 * @example
 * ```ts
 * const call: ApiRequest = { method: 'POST', path: '/api/v2/logout', query: { scope: 'others' } };
 * ```
 */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string | undefined>;
}

/**
 * The outcome of a call, as a value: the unwrapped `data` or a {@link SignoffError}, with
 * the HTTP status line either way.
 *
 * @example
 * ```ts
 * const outcome: ApiOutcome<User> = await send(config, { method: 'GET', path: '/api/v2/users/me' });
 * if (outcome.ok) console.log(outcome.data.id);
 * else console.log(outcome.status, outcome.error.code);
 * ```
 */
export type ApiOutcome<T> =
  | { ok: true; data: T; status: number; statusText: string }
  | { ok: false; error: SignoffError; status: number; statusText: string };

/**
 * The platform `fetch`, looked up at call time (so a polyfill installed later is used) and
 * never called as a method of another object (browsers throw "Illegal invocation").
 *
 * @example
 * ```ts
 * const config: HttpConfig = { host: 'https://id.example.com', fetch: defaultFetch() };
 * ```
 */
export function defaultFetch(): FetchLike {
  return (url, init) => {
    if (typeof globalThis.fetch !== 'function') {
      throw new TypeError('No global fetch: pass `fetch` in the client options');
    }
    return globalThis.fetch(url, init);
  };
}

/**
 * `host` + `path` + query string. Keeps a path prefix in `host`, which `new URL(path, host)`
 * would drop.
 *
 * @example
 * ```ts
 * buildURL('https://example.com/auth/', '/api/v2/logout', { scope: 'global' });
 * // 'https://example.com/auth/api/v2/logout?scope=global'
 * ```
 */
export function buildURL(host: string, path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(host.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Sends one call and unwraps the Authing v2 envelope `{code, message, data}`: `data` when
 * the HTTP status is 2xx and `code === 200`, otherwise a {@link SignoffError}. Never throws.
 *
 * @example
 * ```ts
 * const outcome = await send<User>(config, {
 *   method: 'GET',
 *   path: '/api/v2/users/me',
 *   headers: { authorization: `Bearer ${token}` },
 * });
 * ```
 */
export async function send<T>(config: HttpConfig, call: ApiRequest): Promise<ApiOutcome<T>> {
  const headers = new Headers({ accept: 'application/json' });
  for (const [name, value] of Object.entries(call.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  const init: RequestInit = { method: call.method, headers };
  // No content-type without a body: the server rejects an empty JSON body.
  if (call.body !== undefined) {
    headers.set('content-type', 'application/json');
    init.body = JSON.stringify(call.body);
  }
  if (config.credentials) init.credentials = config.credentials;

  let response: Response;
  let text: string;
  try {
    response = await config.fetch(buildURL(config.host, call.path, call.query), init);
    text = await response.text();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return {
      ok: false,
      error: new SignoffError(0, SignoffErrorCode.UNKNOWN, `Request to Signoff failed: ${reason}`, { cause }),
      status: 0,
      statusText: '',
    };
  }
  const { status, statusText } = response;
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): reported below with the HTTP status.
  }
  if (response.ok && isRecord(body) && body.code === 200) {
    return { ok: true, data: body.data as T, status, statusText };
  }
  const code = isRecord(body) && typeof body.code === 'number' ? body.code : SignoffErrorCode.UNKNOWN;
  const message =
    isRecord(body) && typeof body.message === 'string'
      ? body.message
      : `Unexpected answer from Signoff: HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return { ok: false, error: new SignoffError(status, code, message), status, statusText };
}

/**
 * {@link send}, throwing the {@link SignoffError} instead of returning it.
 *
 * @example
 * ```ts
 * const user = await request<User>(config, { method: 'GET', path: '/api/v2/users/me' });
 * ```
 */
export async function request<T>(config: HttpConfig, call: ApiRequest): Promise<T> {
  const outcome = await send<T>(config, call);
  if (!outcome.ok) throw outcome.error;
  return outcome.data;
}
