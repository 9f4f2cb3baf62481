// What keeps the token verifier's revocation index current: the app's own Shared Signals
// stream (SSF 1.0), polled (RFC 8936), and Signoff's start-up list of recent revocations.
//
// - Discovery (issuer-discovery.ts): where the token endpoint, the keys and the stream
//   management endpoint are.
// - Authorization (ssf-client.ts): a client-credentials token with scope `ssf`, renewed before
//   it expires and once on a 401.
// - The stream: the app's poll stream with this verifier's description, created if there is
//   none (§8.1.1.1), enabled if it was paused or disabled (§8.1.2.2). A SET on a polled stream
//   goes to whichever poller takes it: every process verifying tokens needs its own stream
//   (its own description).
// - Start-up and after every outage: `GET {issuer}/ssf/revocations`, the app's sessions that
//   ended within a token lifetime, so that what ended while no poll ran is refused too.
// - The loop: a long poll, acknowledging (RFC 8936 §2.4) every SET verified and applied in the
//   previous answer and reporting (setErrs) those refused, so that an answer comes the moment a
//   session ends. Failures back off exponentially (250 ms doubling to 30 s, jittered) until an
//   answer comes again.
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { type FetchLike, SignoffError, SignoffErrorCode } from './http.ts';
import type { IssuerMetadata } from './issuer-discovery.ts';
import { isRecord, type Json } from './json-response.ts';
import { ForeignIssuer, type KeySet, KeySetUnavailable } from './key-set.ts';
import type { RevocationIndex } from './revocation-index.ts';
import { createSsfClient } from './ssf-client.ts';

const POLL = 'urn:ietf:rfc:8936';
/** CAEP 1.0 §3.1 and RISC 1.0 §2.7: the events that end tokens. */
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const ACCOUNT_PURGED = 'https://schemas.openid.net/secevent/risc/event-type/account-purged';

/** Signoff's long poll answers within 25 s; one open longer than this is taken as lost. */
const POLL_TIMEOUT_MS = 35_000;
const MAX_EVENTS = 500;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 30_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * How the feed is doing, read on every `verify`: whether its last request succeeded, and when
 * it last heard from Signoff (ms since the epoch).
 *
 * @example
 * ```ts
 * const stale = !feed.health.up && Date.now() - feed.health.lastAnswerAt > 60_000;
 * ```
 */
export interface FeedHealth {
  up: boolean;
  lastAnswerAt: number;
  lastError: Error | null;
  streamId: string | null;
  closed: boolean;
}

/**
 * The running feed: its health and the way to stop it.
 *
 * @example
 * ```ts
 * const feed = await startRevocationFeed({ metadata, keys, index, clientId, clientSecret, fetch, streamDescription });
 * await feed.close(); // the long poll is aborted; no request follows
 * ```
 */
export interface RevocationFeed {
  readonly health: FeedHealth;
  /** Aborts the request in flight and the wait between retries; resolves when the loop has ended. */
  close(): Promise<void>;
}

/**
 * What {@link startRevocationFeed} needs.
 *
 * @example
 * ```ts
 * const options: RevocationFeedOptions = {
 *   metadata, keys, index, fetch: defaultFetch(),
 *   clientId: 'app-id', clientSecret: 'app-secret', streamDescription: 'orders-api',
 * };
 * ```
 */
export interface RevocationFeedOptions {
  metadata: IssuerMetadata;
  keys: KeySet;
  index: RevocationIndex;
  clientId: string;
  clientSecret: string;
  fetch: FetchLike;
  streamDescription: string;
  /** Seconds of clock tolerance the verifier allows: index entries are kept that much longer. */
  clockTolerance?: number;
  onError?: ((error: Error) => void) | undefined;
}

/**
 * Sets up the stream, loads the start-up revocations into the index, and starts the poll loop.
 * Resolves once the index holds what Signoff reported; rejects (with a {@link SignoffError})
 * when the token, the stream or the revocations could not be had.
 *
 * @example
 * ```ts
 * const metadata = await discoverIssuer(issuer, fetch);
 * const keys = await loadKeySet({ jwksUri: metadata.jwksUri, issuer, fetch });
 * const index = createRevocationIndex();
 * const feed = await startRevocationFeed({ metadata, keys, index, clientId, clientSecret, fetch, streamDescription: 'api' });
 * ```
 */
export async function startRevocationFeed(options: RevocationFeedOptions): Promise<RevocationFeed> {
  const { metadata, keys, index, clientId, clientSecret, fetch } = options;
  const { issuer } = metadata;
  const stop = new AbortController();
  const health: FeedHealth = {
    up: true,
    lastAnswerAt: Date.now(),
    lastError: null,
    streamId: null,
    closed: false,
  };
  let stream: { id: string; pollUrl: string } | null = null;
  /** How long a token may still live, seconds: learnt from the start-up route. */
  let tokenLifetime = 3600;

  const { call } = createSsfClient({
    tokenEndpoint: metadata.tokenEndpoint,
    clientId,
    clientSecret,
    fetch,
    signal: stop.signal,
  });

  const streamOf = (value: unknown) => {
    if (!isRecord(value) || typeof value.stream_id !== 'string' || !isRecord(value.delivery)) return null;
    return value as Json & { stream_id: string; delivery: Json; events_delivered?: unknown };
  };

  /** The app's poll stream with this verifier's description, made ready to poll. */
  async function ensureStream(): Promise<{ id: string; pollUrl: string }> {
    const wanted = [SESSION_REVOKED, ACCOUNT_PURGED];
    const listed = await call('GET', metadata.configurationEndpoint, undefined);
    let found = (Array.isArray(listed) ? listed : [listed])
      .map(streamOf)
      .find((s) => s?.description === options.streamDescription && s.delivery.method === POLL);
    if (!found) {
      found = streamOf(
        await call('POST', metadata.configurationEndpoint, {
          delivery: { method: POLL },
          events_requested: wanted,
          description: options.streamDescription,
        }),
      );
    } else {
      const delivered = Array.isArray(found.events_delivered) ? found.events_delivered : [];
      if (!wanted.every((event) => delivered.includes(event))) {
        found = streamOf(
          await call('PATCH', metadata.configurationEndpoint, {
            stream_id: found.stream_id,
            events_requested: wanted,
          }),
        );
      }
    }
    if (!found)
      throw new SignoffError(0, SignoffErrorCode.UNKNOWN, 'the transmitter sent no stream configuration');
    const pollUrl = found.delivery.endpoint_url;
    // The client token goes to the poll URL: only to the issuer's own origin.
    if (typeof pollUrl !== 'string' || new URL(pollUrl).origin !== new URL(issuer).origin) {
      throw new SignoffError(
        0,
        SignoffErrorCode.UNKNOWN,
        `the stream's poll URL ${String(pollUrl)} is not the issuer's`,
      );
    }
    if (metadata.statusEndpoint) {
      const status = await call(
        'GET',
        `${metadata.statusEndpoint}?stream_id=${encodeURIComponent(found.stream_id)}`,
        undefined,
      );
      if (isRecord(status) && status.status !== 'enabled') {
        await call('POST', metadata.statusEndpoint, { stream_id: found.stream_id, status: 'enabled' });
      }
    }
    health.streamId = found.stream_id;
    return { id: found.stream_id, pollUrl };
  }

  async function loadRevocations() {
    const answer = await call('GET', metadata.revocationsEndpoint, undefined);
    if (!isRecord(answer) || !Array.isArray(answer.sessions) || typeof answer.since !== 'number') {
      throw new SignoffError(
        0,
        SignoffErrorCode.UNKNOWN,
        `${metadata.revocationsEndpoint}: unexpected answer`,
      );
    }
    // token_lifetime: the longest a token of the app may still live (the configured lifetime,
    // or longer while tokens issued under a longer one are valid); older servers: now − since.
    tokenLifetime = Math.max(
      60,
      typeof answer.token_lifetime === 'number'
        ? answer.token_lifetime
        : Math.round(Date.now() / 1000 - answer.since),
    );
    for (const entry of answer.sessions) {
      if (isRecord(entry) && typeof entry.sid === 'string' && typeof entry.at === 'number') {
        index.revokeSession(entry.sid, entry.at);
      }
    }
  }

  /** The user id of an RFC 9493 iss_sub subject of this issuer. */
  const userOf = (subject: unknown) =>
    isRecord(subject) &&
    subject.format === 'iss_sub' &&
    subject.iss === issuer &&
    typeof subject.sub === 'string'
      ? subject.sub
      : null;

  /** Applies a verified SET's events to the index (CAEP 1.0 §3.1, RISC 1.0 §2.7). */
  function apply(payload: JWTPayload) {
    const events = payload.events;
    if (!isRecord(events)) return { err: 'invalid_request', description: 'no events' };
    const subject = payload.sub_id;
    for (const [type, event] of Object.entries(events)) {
      const at =
        isRecord(event) && typeof event.event_timestamp === 'number' ? event.event_timestamp : payload.iat!;
      if (type === SESSION_REVOKED) {
        // SSF 1.0 §3.3 complex subject: the session when one ended; the user alone stands for
        // every session of the user in this app (CAEP 1.0 §3.1).
        const session = isRecord(subject) && subject.format === 'complex' ? subject.session : undefined;
        const user =
          isRecord(subject) && subject.format === 'complex' ? userOf(subject.user) : userOf(subject);
        if (isRecord(session) && typeof session.id === 'string') index.revokeSession(session.id, at);
        else if (user) index.revokeUser(user, at);
      } else if (type === ACCOUNT_PURGED) {
        const user = userOf(subject);
        if (user) index.revokeUser(user, at);
      }
      // Other events (credential-change, verification) end no token: acknowledged, nothing to do.
    }
    return null;
  }

  /** RFC 8935 §2.3 / RFC 8936 §2.4: the error code for a SET that failed verification. */
  function setErrorOf(error: unknown): string {
    if (error instanceof ForeignIssuer) return 'invalid_issuer';
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'iss') return 'invalid_issuer';
      if (error.claim === 'aud') return 'invalid_audience';
      return 'invalid_request';
    }
    if (
      error instanceof errors.JWSSignatureVerificationFailed ||
      error instanceof errors.JWKSNoMatchingKey ||
      error instanceof errors.JOSEAlgNotAllowed
    ) {
      return 'invalid_key';
    }
    return 'invalid_request';
  }

  function failed(error: unknown) {
    const problem = error instanceof Error ? error : new Error(String(error));
    health.up = false;
    health.lastError = problem;
    options.onError?.(problem);
  }

  const answered = () => {
    health.up = true;
    health.lastAnswerAt = Date.now();
  };

  function sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  async function run() {
    let ack: string[] = [];
    let setErrs: Record<string, { err: string; description: string }> = {};
    let failures = 0;
    let reload = false;
    let sweptAt = Date.now();
    while (!stop.signal.aborted) {
      try {
        if (reload) {
          const next = await ensureStream();
          if (next.id !== stream?.id) {
            ack = [];
            setErrs = {};
          }
          stream = next;
          await loadRevocations();
          reload = false;
          answered();
        }
        const current = stream!;
        const answer = await call(
          'POST',
          current.pollUrl,
          { maxEvents: MAX_EVENTS, returnImmediately: false, ack, setErrs },
          POLL_TIMEOUT_MS,
        );
        ack = [];
        setErrs = {};
        answered();
        const sets = isRecord(answer) && isRecord(answer.sets) ? answer.sets : {};
        let retry: Error | null = null;
        for (const [jti, set] of Object.entries(sets)) {
          if (typeof set !== 'string') {
            setErrs[jti] = { err: 'invalid_request', description: 'not a compact JWS' };
            continue;
          }
          try {
            const { payload } = await jwtVerify(set, keys.resolveFresh, {
              issuer,
              audience: clientId,
              typ: 'secevent+jwt',
              algorithms: ['RS256'],
              requiredClaims: ['jti', 'iat', 'events'],
            });
            const refused =
              payload.jti === jti ? apply(payload) : { err: 'invalid_request', description: 'jti differs' };
            if (refused) setErrs[jti] = refused;
            else ack.push(jti);
          } catch (error) {
            // The keys could not be fetched: neither acknowledged nor refused, so it comes again.
            if (error instanceof KeySetUnavailable) retry = error;
            else setErrs[jti] = { err: setErrorOf(error), description: String((error as Error).message) };
          }
        }
        if (retry) throw retry;
        failures = 0;
        if (Date.now() - sweptAt > SWEEP_EVERY_MS) {
          sweptAt = Date.now();
          index.sweep(Math.floor(sweptAt / 1000) - tokenLifetime - (options.clockTolerance ?? 0) - 60);
        }
      } catch (error) {
        if (stop.signal.aborted) break;
        failed(error);
        failures++;
        // SETs may have been missed (a stream deleted, an outage past retention): the stream is
        // looked up and the start-up revocations loaded again before the next poll.
        reload = true;
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
        await sleep(delay * (0.5 + Math.random() / 2));
      }
    }
  }

  stream = await ensureStream();
  await loadRevocations();
  answered();
  const loop = run();

  return {
    health,
    async close() {
      health.closed = true;
      stop.abort();
      await loop;
    },
  };
}
