// The Shared Signals transmitter's stream management (SSF 1.0 §8): streams of a receiver app,
// their status, subjects and verification. Every call names the receiver (the app of its
// client-credentials token); a stream of another app or pool is "not found for this receiver"
// (404) and nothing changes. Expected outcomes are values with the status the spec gives them.
import type { Store, StreamPatch } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import { type EventStream, SSF_POLL, SSF_PUSH, type StreamStatus } from '../model.ts';
import { checkNoticeTarget } from '../notices/notice-target.ts';
import { SUPPORTED_EVENTS } from './security-events.ts';

/** SSF 1.0 §8.1.1 min_verification_interval, seconds. */
export const MIN_VERIFICATION_INTERVAL = 10;
/** Streams an app may have at once. */
export const MAX_STREAMS_PER_APP = 10;

export interface Receiver {
  poolId: string;
  appId: string;
}

export type Problem = {
  ok: false;
  status: 400 | 404 | 409 | 429;
  err: string;
  description: string;
  retryAfter?: number;
};
export type Result<T> = { ok: true; value: T } | Problem;

const problem = (status: Problem['status'], err: string, description: string): Problem => ({
  ok: false,
  status,
  err,
  description,
});
const notFound = () => problem(404, 'not_found', 'There is no stream with this stream_id for this receiver.');

/** The receiver-supplied part of a stream's configuration (SSF 1.0 §8.1.1), as a request gives it. */
export interface StreamRequest {
  stream_id?: string;
  delivery?: { method: string; endpoint_url?: string; authorization_header?: string };
  events_requested?: string[];
  description?: string;
  // Transmitter-supplied: may be present in an update, and must then match (§8.1.1.3).
  iss?: string;
  aud?: string | string[];
  events_supported?: string[];
  events_delivered?: string[];
  min_verification_interval?: number;
}

export type SubjectRequest =
  | { format: 'iss_sub'; iss: string; sub: string }
  | { format: 'email'; email: string }
  | { format: string; [member: string]: unknown };

export interface StreamServiceDeps {
  store: Store;
  clock: Clock;
  issuerOf: (poolId: string) => string;
  /** SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: push endpoints may be private addresses too. */
  allowPrivate: boolean;
  /** Wakes the notice worker and pollers: a SET was queued outside a session end. */
  queued(poolId: string, appIds: string[]): void;
  /** SIGNOFF_ACCESS_TOKEN_TTL, ms: how long a token issued now lives. */
  tokenLifetimeMs: number;
}

/** SIGNOFF_ACCESS_TOKEN_TTL's maximum (src/config.ts): no token lives longer. */
const MAX_TOKEN_LIFETIME_MS = 30 * 86400 * 1000;

export function createStreamService(deps: StreamServiceDeps) {
  const { store, clock } = deps;

  /** The stream's configuration as SSF 1.0 §8.1.1 shows it (the Authorization header is not echoed). */
  function present(stream: EventStream) {
    const issuer = deps.issuerOf(stream.poolId);
    return {
      stream_id: stream.id,
      iss: issuer,
      aud: stream.appId,
      events_supported: SUPPORTED_EVENTS,
      ...(stream.eventsRequested === null ? {} : { events_requested: stream.eventsRequested }),
      events_delivered: stream.eventsDelivered,
      delivery:
        stream.delivery === 'push'
          ? { method: SSF_PUSH, endpoint_url: stream.endpointUrl }
          : { method: SSF_POLL, endpoint_url: `${issuer}/ssf/poll/${stream.id}` },
      ...(stream.description === null ? {} : { description: stream.description }),
      min_verification_interval: MIN_VERIFICATION_INTERVAL,
    };
  }

  const delivered = (requested: string[] | null) =>
    requested === null ? [...SUPPORTED_EVENTS] : SUPPORTED_EVENTS.filter((e) => requested.includes(e));

  /** The delivery a request asks for, checked; absent means poll (§8.1.1.1). */
  async function deliveryOf(
    request: StreamRequest,
  ): Promise<Result<Pick<EventStream, 'delivery' | 'endpointUrl' | 'authorizationHeader'>>> {
    const d = request.delivery;
    if (!d || d.method === SSF_POLL)
      return { ok: true, value: { delivery: 'poll', endpointUrl: null, authorizationHeader: null } };
    if (d.method !== SSF_PUSH) {
      return problem(
        400,
        'invalid_request',
        `delivery.method must be ${SSF_PUSH} (push) or ${SSF_POLL} (poll)`,
      );
    }
    if (!d.endpoint_url)
      return problem(400, 'invalid_request', 'delivery.endpoint_url is required for push delivery');
    let url: URL;
    try {
      url = new URL(d.endpoint_url);
    } catch {
      return problem(400, 'invalid_request', 'delivery.endpoint_url must be an absolute URL');
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '' || url.username !== '') {
      return problem(
        400,
        'invalid_request',
        'delivery.endpoint_url must be an http(s) URL without fragment or user information',
      );
    }
    const target = await checkNoticeTarget(d.endpoint_url, {
      allowPrivate: deps.allowPrivate,
      what: 'a SET',
    });
    if (target) return problem(400, 'invalid_request', `delivery.endpoint_url ${target}`);
    return {
      ok: true,
      value: {
        delivery: 'push',
        endpointUrl: d.endpoint_url,
        authorizationHeader: d.authorization_header ?? null,
      },
    };
  }

  /** Transmitter-supplied properties in an update must say what they say now (§8.1.1.3, §8.1.1.4). */
  function mismatch(request: StreamRequest, stream: EventStream): Problem | null {
    const now = present(stream);
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    for (const key of [
      'iss',
      'aud',
      'events_supported',
      'events_delivered',
      'min_verification_interval',
    ] as const) {
      if (request[key] !== undefined && !same(request[key], now[key])) {
        return problem(400, 'invalid_request', `${key} is the transmitter's, and is not what the stream has`);
      }
    }
    return null;
  }

  async function streamOf(receiver: Receiver, streamId: string | undefined): Promise<Result<EventStream>> {
    if (!streamId) return problem(400, 'invalid_request', 'stream_id is required');
    const stream = await store.ssf.getStream(receiver.poolId, receiver.appId, streamId);
    return stream ? { ok: true, value: stream } : notFound();
  }

  return {
    present,

    async create(receiver: Receiver, request: StreamRequest): Promise<Result<EventStream>> {
      const delivery = await deliveryOf(request);
      if (!delivery.ok) return delivery;
      if ((await store.ssf.listStreams(receiver.poolId, receiver.appId)).length >= MAX_STREAMS_PER_APP) {
        return problem(
          409,
          'stream_limit',
          `An app may have at most ${MAX_STREAMS_PER_APP} streams; delete one first.`,
        );
      }
      const now = clock.now();
      const requested = request.events_requested ?? null;
      const stream: EventStream = {
        id: newId(),
        poolId: receiver.poolId,
        appId: receiver.appId,
        ...delivery.value,
        eventsRequested: requested,
        eventsDelivered: delivered(requested),
        description: request.description ?? null,
        // A new stream is enabled (issue 9): events flow from now on.
        status: 'enabled',
        statusReason: null,
        createdAt: now,
        updatedAt: now,
        lastPolledAt: null,
        lastVerificationAt: null,
      };
      await store.ssf.createStream(stream);
      return { ok: true, value: stream };
    },

    async read(
      receiver: Receiver,
      streamId: string | undefined,
    ): Promise<Result<EventStream | EventStream[]>> {
      if (streamId === undefined)
        return { ok: true, value: await store.ssf.listStreams(receiver.poolId, receiver.appId) };
      return streamOf(receiver, streamId);
    },

    /** PATCH (§8.1.1.3) changes what the request has; PUT (§8.1.1.4) replaces every receiver-supplied property. */
    async update(receiver: Receiver, request: StreamRequest, replace: boolean): Promise<Result<EventStream>> {
      const found = await streamOf(receiver, request.stream_id);
      if (!found.ok) return found;
      const stream = found.value;
      const wrong = mismatch(request, stream);
      if (wrong) return wrong;
      const patch: StreamPatch = { updatedAt: clock.now() };
      if (replace || request.delivery !== undefined) {
        const delivery = await deliveryOf(request);
        if (!delivery.ok) return delivery;
        Object.assign(patch, delivery.value);
      }
      if (replace || request.events_requested !== undefined) {
        patch.eventsRequested = request.events_requested ?? null;
        patch.eventsDelivered = delivered(patch.eventsRequested);
      }
      if (replace || request.description !== undefined) patch.description = request.description ?? null;
      const updated = await store.ssf.updateStream(receiver.poolId, receiver.appId, stream.id, patch);
      return updated ? { ok: true, value: updated } : notFound();
    },

    async remove(receiver: Receiver, streamId: string | undefined): Promise<Result<null>> {
      if (!streamId) return problem(400, 'invalid_request', 'stream_id is required');
      return (await store.ssf.deleteStream(receiver.poolId, receiver.appId, streamId))
        ? { ok: true, value: null }
        : notFound();
    },

    async status(receiver: Receiver, streamId: string | undefined) {
      const found = await streamOf(receiver, streamId);
      if (!found.ok) return found;
      return { ok: true as const, value: statusOf(found.value) };
    },

    async setStatus(
      receiver: Receiver,
      request: { stream_id: string; status: StreamStatus; reason?: string },
    ) {
      const found = await streamOf(receiver, request.stream_id);
      if (!found.ok) return found;
      const updated = await store.ssf.updateStream(receiver.poolId, receiver.appId, found.value.id, {
        status: request.status,
        statusReason: request.reason ?? null,
        updatedAt: clock.now(),
      });
      if (!updated) return notFound();
      // Held SETs go out again when a paused stream is enabled.
      if (request.status === 'enabled') deps.queued(receiver.poolId, [receiver.appId]);
      return { ok: true as const, value: statusOf(updated) };
    },

    /** Add (`include`) or remove a subject (SSF 1.0 §8.1.3.2, §8.1.3.3). */
    async subject(
      receiver: Receiver,
      request: { stream_id: string; subject: SubjectRequest },
      include: boolean,
    ): Promise<Result<null>> {
      const found = await streamOf(receiver, request.stream_id);
      if (!found.ok) return found;
      const userId = await userOf(receiver, request.subject);
      if (!userId.ok) return userId;
      if (include) await store.ssf.includeUser(found.value.id, userId.value);
      else await store.ssf.excludeUser(found.value.id, userId.value, clock.now());
      return { ok: true, value: null };
    },

    /**
     * The app's sessions that ended while an access token issued on them is still valid, with
     * when, in seconds: what a verifier starting up must refuse. Looked for among the ends of
     * the longest lifetime a token may have (30 days), whatever the lifetime is now.
     */
    async revocations(receiver: Receiver) {
      const now = clock.now();
      const since = now - MAX_TOKEN_LIFETIME_MS;
      const ended = await store.ssf.endedSessionsOfApp(receiver.poolId, receiver.appId, since, now);
      // How long the verifier must remember what it learns from now on: the configured token
      // lifetime, or longer while tokens issued under a longer one are still valid.
      const latest = await store.ssf.latestTokenOfApp(receiver.poolId, receiver.appId);
      const lifetime = Math.max(deps.tokenLifetimeMs, (latest ?? 0) - now);
      return {
        since: Math.floor(since / 1000),
        token_lifetime: Math.ceil(lifetime / 1000),
        sessions: ended.map((e) => ({ sid: e.sessionId, at: Math.floor(e.at / 1000) })),
      };
    },

    /** SSF 1.0 §8.1.4.2: a verification SET with the receiver's state, queued on the stream. */
    async verify(receiver: Receiver, request: { stream_id: string; state?: string }): Promise<Result<null>> {
      const found = await streamOf(receiver, request.stream_id);
      if (!found.ok) return found;
      const stream = found.value;
      const now = clock.now();
      const wait = (stream.lastVerificationAt ?? 0) + MIN_VERIFICATION_INTERVAL * 1000 - now;
      if (stream.lastVerificationAt !== null && wait > 0) {
        return {
          ...problem(
            429,
            'too_many_requests',
            `At most one verification every ${MIN_VERIFICATION_INTERVAL} s.`,
          ),
          retryAfter: Math.ceil(wait / 1000),
        };
      }
      await store.ssf.markVerificationRequested(receiver.poolId, stream.id, now);
      await store.ssf.queue({
        poolId: receiver.poolId,
        appIds: [receiver.appId],
        streamId: stream.id,
        eventType: 'verification',
        sessionId: null,
        userId: null,
        endId: null,
        reason: null,
        detail: request.state === undefined ? null : { state: request.state },
        at: now,
      });
      deps.queued(receiver.poolId, [receiver.appId]);
      return { ok: true, value: null };
    },
  };

  function statusOf(stream: EventStream) {
    return {
      stream_id: stream.id,
      status: stream.status,
      ...(stream.statusReason === null ? {} : { reason: stream.statusReason }),
    };
  }

  /** The user a subject names, if it is one of this app's users (RFC 9493 iss_sub and email). */
  async function userOf(receiver: Receiver, subject: SubjectRequest): Promise<Result<string>> {
    let userId: string | null = null;
    if (subject.format === 'iss_sub') {
      const { iss, sub } = subject as { iss?: unknown; sub?: unknown };
      if (typeof iss !== 'string' || typeof sub !== 'string') {
        return problem(400, 'invalid_request', 'an iss_sub subject needs iss and sub');
      }
      if (iss !== deps.issuerOf(receiver.poolId))
        return problem(404, 'not_found', 'The subject is not recognized: iss is not this issuer.');
      userId = (await store.users.get(receiver.poolId, sub))?.id ?? null;
    } else if (subject.format === 'email') {
      const { email } = subject as { email?: unknown };
      if (typeof email !== 'string') return problem(400, 'invalid_request', 'an email subject needs email');
      const user = await store.users.findByAccount(receiver.poolId, email);
      userId = user && user.email === email.toLowerCase() ? user.id : null;
    } else {
      return problem(
        400,
        'invalid_request',
        `subject format ${String(subject.format)} is not supported (iss_sub, email)`,
      );
    }
    // Only the app's own users (who ever signed in to it): another app's are none of its business.
    if (userId === null || !(await store.ssf.isAppUser(receiver.poolId, receiver.appId, userId))) {
      return problem(404, 'not_found', 'The subject is not recognized.');
    }
    return { ok: true, value: userId };
  }
}

export type StreamService = ReturnType<typeof createStreamService>;
