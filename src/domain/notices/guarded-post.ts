// The POST of every notice to an app's server: a back-channel logout token (OIDC Back-Channel
// Logout 1.0 §2.5, form-encoded) or a pushed Security Event Token (RFC 8935 §2.1, the SET as the
// body). A bounded wait, no redirects followed, and a 2xx taken as done (Back-Channel Logout
// §2.8: 200 OK, or the 204 some frameworks send for an empty 200; RFC 8935 §2.2: 202 Accepted).
//
// It also says whether another attempt could help. Back-Channel Logout §2.5 allows a
// retransmission only when a previous one may have failed for a recoverable reason: no
// connection, no answer in time, or a status that means "not now" — 408, 429 and 5xx. Any other
// answer is final: a 400 is the app rejecting the token (§2.8: "the logout request was invalid
// or the logout failed"; RFC 8935 §2.3: the SET was refused, with an `err` code of §2.4), and
// the same token sent again would be rejected again, as would a 404, a 401 or a redirect. RFC
// 8935's "Delivery Reliability" section says as much: most refusals will not go away on a retry.
//
// node:http rather than fetch: the SSRF guard has to judge the address the connection is
// actually made to. fetch resolves the host on its own, so a check beforehand could be
// answered with a public address and the connection made to a private one (DNS rebinding).
// Here the guard is the resolver of the connection itself (`lookup`), and a literal IP in the
// URI is checked before connecting.
//
// Connections are kept alive and reused (one pool per transport, at most `maxSockets` per
// server): a mass logout sends thousands of notices to one app, and a new connection per
// notice (with https, a TLS handshake too) cost both ends — reuse halved the receiver's CPU a
// notice in bench/README.md (d). The guard still judges every connection, when it is made; a
// reused one was judged then. A reused connection that the server closed meanwhile fails
// before any answer: that failure says so (`staleConnection`), and the worker sends again on
// a new connection, so that a server closing idle connections is not a failed notice.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { STATUS_CODES } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './private-address.ts';

export type PostOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      /** What went wrong, for the delivery's lastError; an answer's begins with its status. */
      error: string;
      /**
       * Retrying cannot help (§2.5): refused before anything was sent (a guarded address, a bad
       * URI), or answered with a status that is not worth retrying (400 and the like).
       */
      refused: boolean;
      /** The app did not answer within the timeout. */
      timedOut?: true;
      /** The app's Retry-After header, as sent, on a 429 or 503 (RFC 9110 §10.2.3). */
      retryAfter?: string;
      /**
       * A reused kept-alive connection was reset or closed before any answer, as when the
       * server closes an idle connection just as a request goes out on it: a new connection
       * may well succeed.
       */
      staleConnection?: true;
    };

/** Statuses worth another attempt (§2.5 "potentially recoverable"): time-out, throttled, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** What a POST carries. */
export interface PostBody {
  contentType: string;
  body: string;
  /** More request headers (an Authorization a receiver asked for). */
  headers?: Record<string, string>;
}

/**
 * Posts `body` to `uri` on a kept-alive connection when one is free (on a new one with
 * `newConnection`). Never throws: every outcome is a value.
 */
export type GuardedPost = (
  uri: string,
  body: PostBody,
  options?: { newConnection?: boolean },
) => Promise<PostOutcome>;

export interface GuardedPostOptions {
  /** Sent as User-Agent: what the notice is. */
  userAgent: string;
  /** The whole exchange, connection to answer, must fit in this. */
  timeoutMs: number;
  /** Allow loopback, private and link-local targets (SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Connections kept to one server (host and port), in use or idle; 32 by default. */
  maxSockets?: number;
}

/**
 * An idle connection is closed after this long: under the 5 s that Node's and many other
 * servers keep an idle connection open, so that it is mostly Signoff that closes it, not the
 * server just as a notice is sent on it.
 */
const IDLE_CONNECTION_MS = 4000;

const ALLOW_HINT = 'set SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE=true to allow it';
const EXCERPT_BYTES = 200;

class RefusedAddressError extends Error {
  override name = 'RefusedAddressError';
}

const refusal = (host: string, address: string) =>
  `refused: ${host} ${host === address ? 'is' : `resolves to ${address},`} a loopback, private or link-local address (${ALLOW_HINT})`;

/** dns.lookup that fails for any host with a non-public address among its addresses. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const inside = addresses.find((a) => isPrivateAddress(a.address));
    if (inside) return callback(new RefusedAddressError(refusal(hostname, inside.address)), '', 0);
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
    callback(null, first.address, first.family);
  });
};

/** A short, single-line, printable excerpt of what the app answered. */
const excerpt = (body: Buffer) =>
  body
    .subarray(0, EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Connecting to a host with several addresses fails with one error per address.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join('; ');
  }
  return error.message || ((error as NodeJS.ErrnoException).code ?? error.name);
}

/** A reused connection that was reset or closed before any answer (the server closed it idle). */
const isStale = (request: http.ClientRequest, error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return request.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
};

export function createGuardedPost(
  options: GuardedPostOptions,
): GuardedPost & { /** Closes the idle kept-alive connections. */ close(): void } {
  const { timeoutMs, allowPrivate } = options;
  const pool = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 32,
    maxFreeSockets: options.maxSockets ?? 32,
    timeout: IDLE_CONNECTION_MS,
    // The most recently used connection first: the least likely to have been closed.
    scheduling: 'lifo' as const,
  };
  const agents = new Map<typeof http | typeof https, http.Agent>([
    [http, new http.Agent(pool)],
    [https, new https.Agent(pool)],
  ]);
  const send: GuardedPost = (uri, payload, sendOptions = {}) => {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return Promise.resolve({ ok: false, refused: true, error: `refused: ${uri} is not a URL` });
    }
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
    if (!client) {
      return Promise.resolve({ ok: false, refused: true, error: `refused: ${url.protocol} is not http(s)` });
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // A literal address never goes through the resolver: check it here.
    if (!allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
      return Promise.resolve({ ok: false, refused: true, error: refusal(host, host) });
    }
    const { body } = payload;

    return new Promise<PostOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: PostOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!outcome.ok) request.destroy();
        resolve(outcome);
      };
      const request = client.request(
        url,
        {
          method: 'POST',
          // `false`: a connection of its own, closed after the answer.
          agent: sendOptions.newConnection ? false : agents.get(client),
          ...(allowPrivate ? {} : { lookup: guardedLookup }),
          headers: {
            ...payload.headers,
            'content-type': payload.contentType,
            'content-length': Buffer.byteLength(body),
            'user-agent': options.userAgent,
          },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          // Back-Channel Logout §2.8: 200 OK, and some frameworks answer 204 for the same thing;
          // RFC 8935 §2.2: 202. Any 2xx says the app took the notice, and sending it again could
          // not get a better answer.
          if (status >= 200 && status <= 299) {
            response.resume();
            finish({ ok: true, status });
            return;
          }
          const retryAfter = status === 429 || status === 503 ? response.headers['retry-after'] : undefined;
          const chunks: Buffer[] = [];
          let size = 0;
          const fail = () => {
            const text = excerpt(Buffer.concat(chunks));
            const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
            // "400 Bad Request: invalid logout token": the status first, then the reason.
            finish({
              ok: false,
              refused: !isRetryableStatus(status),
              error: `${status} ${STATUS_CODES[status] ?? 'Unknown Status'}${redirect}${text ? `: ${text}` : ''}`,
              ...(retryAfter === undefined ? {} : { retryAfter }),
            });
          };
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size >= EXCERPT_BYTES) fail();
          });
          response.on('end', fail);
          response.on('close', fail);
          response.on('error', fail);
        },
      );
      const timer = setTimeout(
        () =>
          finish({ ok: false, refused: false, timedOut: true, error: `no answer within ${timeoutMs} ms` }),
        timeoutMs,
      );
      request.on('error', (error) =>
        finish({
          ok: false,
          refused: error instanceof RefusedAddressError,
          error: describeError(error),
          ...(isStale(request, error) ? { staleConnection: true } : {}),
        }),
      );
      request.end(body);
    });
  };
  return Object.assign(send, {
    close() {
      for (const agent of agents.values()) {
        for (const sockets of Object.values(agent.freeSockets))
          for (const socket of sockets ?? []) socket.destroy();
      }
    },
  });
}
