// The verifier's client of Signoff's Shared Signals endpoints: a client-credentials token with
// scope `ssf` (SSF 1.0 §7.1.1 authorization_schemes urn:ietf:rfc:6749), renewed before it
// expires and once on a 401, sent with every request.
import type { FetchLike } from './http.ts';
import { failure, isRecord, REQUEST_TIMEOUT_MS, readJSON, within } from './json-response.ts';

/** The client token is renewed this long before it expires. */
const TOKEN_MARGIN_MS = 30_000;

/** RFC 6749 Appendix B: the client id and secret are form-encoded before Basic encoding (§2.3.1). */
const formEncode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*~]|%20/g, (c) =>
    c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/**
 * A client of the SSF endpoints as one confidential app: `call` sends a request with the app's
 * client token, and on a 401 gets a new token and tries once more.
 *
 * @example
 * ```ts
 * const { call } = createSsfClient({ tokenEndpoint, clientId, clientSecret, fetch, signal });
 * const streams = await call('GET', metadata.configurationEndpoint, undefined);
 * ```
 */
export function createSsfClient(options: {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  fetch: FetchLike;
  /** Aborts every request when the feed closes. */
  signal: AbortSignal;
}) {
  const { clientId, clientSecret, fetch } = options;
  let token: { value: string; expiresAt: number } | null = null;

  async function clientToken(signal: AbortSignal): Promise<string> {
    if (token && Date.now() < token.expiresAt - TOKEN_MARGIN_MS) return token.value;
    // client_secret_basic (RFC 6749 §2.3.1), which Signoff takes from every confidential app,
    // client_secret_post ones included.
    const response = await fetch(options.tokenEndpoint, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'ssf' }).toString(),
      signal: within(REQUEST_TIMEOUT_MS, signal),
    });
    const answer = await readJSON(response);
    if (!response.ok || !isRecord(answer) || typeof answer.access_token !== 'string') {
      throw failure(response.status, 'client credentials (scope ssf)', answer);
    }
    const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in : 300;
    token = { value: answer.access_token, expiresAt: Date.now() + expiresIn * 1000 };
    return token.value;
  }

  /** An SSF request with the client token; a 401 (the token expired or was revoked) gets one new token. */
  async function call(
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    body: unknown,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers({
        accept: 'application/json',
        authorization: `Bearer ${await clientToken(options.signal)}`,
      });
      if (body !== undefined) headers.set('content-type', 'application/json');
      const response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: within(timeoutMs, options.signal),
      });
      const answer = await readJSON(response);
      if (response.status === 401 && attempt === 0) {
        token = null;
        continue;
      }
      if (!response.ok) throw failure(response.status, `${method} ${url}`, answer);
      return answer;
    }
  }

  return { call };
}
