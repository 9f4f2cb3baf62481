// The Shared Signals transmitter of each pool's issuer (CONTRACT §8): the metadata (SSF 1.0 §7),
// stream management (§8), poll delivery (RFC 8936) and the verifier's start-up route. Thin:
// the domain (src/domain/ssf/) decides, this maps to HTTP. Error bodies are JSON
// `{err, description}`, as RFC 8935 §2.3 and RFC 8936 §2.6 shape SET delivery errors.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { SSF_POLL, SSF_PUSH } from '../../domain/model.ts';
import type { App, HttpContext } from '../context.ts';
import { mapError, reportMapped } from '../errors.ts';
import { receiverOf } from './receiver.ts';

const OIDC = '/oidc';
const POOLS = `${OIDC}/pools/:poolId`;
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Text = (max: number) => Type.String({ maxLength: max });

const Delivery = Type.Object({
  method: Text(64),
  endpoint_url: Type.Optional(Text(2048)),
  authorization_header: Type.Optional(Text(4096)),
});
const StreamBody = Type.Object({
  stream_id: Type.Optional(Id),
  delivery: Type.Optional(Delivery),
  events_requested: Type.Optional(Type.Array(Text(256), { maxItems: 20 })),
  description: Type.Optional(Text(1024)),
  iss: Type.Optional(Text(2048)),
  aud: Type.Optional(Type.Union([Text(256), Type.Array(Text(256), { maxItems: 10 })])),
  events_supported: Type.Optional(Type.Array(Text(256), { maxItems: 20 })),
  events_delivered: Type.Optional(Type.Array(Text(256), { maxItems: 20 })),
  min_verification_interval: Type.Optional(Type.Integer()),
});
const StreamQuery = Type.Object({ stream_id: Type.Optional(Id) });
const StatusBody = Type.Object({
  stream_id: Id,
  status: Type.Enum(['enabled', 'paused', 'disabled']),
  reason: Type.Optional(Text(256)),
});
const SubjectBody = Type.Object({
  stream_id: Id,
  subject: Type.Object({ format: Text(64) }, { additionalProperties: true }),
  verified: Type.Optional(Type.Boolean()),
});
const VerifyBody = Type.Object({ stream_id: Id, state: Type.Optional(Text(1024)) });
const PollBody = Type.Object({
  maxEvents: Type.Optional(Type.Integer({ minimum: 0 })),
  returnImmediately: Type.Optional(Type.Boolean()),
  ack: Type.Optional(Type.Array(Text(64), { maxItems: 1000 })),
  setErrs: Type.Optional(
    Type.Record(Type.String(), Type.Object({ err: Text(64), description: Type.Optional(Text(1024)) })),
  ),
});
const PoolParams = Type.Object({ poolId: Id });
const hide = { hide: true } as const;

export function ssfRoutes(app: App, ctx: HttpContext) {
  const { services } = ctx;

  /** The pool whose issuer a request is under: /oidc is the default pool's, /oidc/pools/{id} another's. */
  function poolOf(req: FastifyRequest): string | null {
    const poolId = (req.params as { poolId?: string }).poolId;
    if (poolId === undefined) return services.defaultPoolId();
    if (poolId === services.defaultPoolId() || !services.keys.signingKey(poolId)) return null;
    return poolId;
  }

  interface Refusal {
    status: number;
    err: string;
    description: string;
    retryAfter?: number;
  }
  const fail = (reply: FastifyReply, p: Refusal) => {
    if (p.retryAfter !== undefined) reply.header('retry-after', String(p.retryAfter));
    return reply
      .status(p.status)
      .header('cache-control', 'no-store')
      .send({ err: p.err, description: p.description });
  };

  /** The receiver of a management or poll request, or the refusal already sent. */
  async function receiver(req: FastifyRequest, reply: FastifyReply) {
    const poolId = poolOf(req);
    if (!poolId) {
      fail(reply, { status: 404, err: 'not_found', description: 'There is no transmitter at this address.' });
      return null;
    }
    const checked = await receiverOf(services, req, poolId);
    if (checked.ok) return checked.receiver;
    reply.header(
      'www-authenticate',
      // RFC 6750 §3: the description is printable ASCII, without a double quote.
      `Bearer error="${checked.err}", error_description="${checked.description.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '')}"`,
    );
    fail(reply, checked);
    return null;
  }

  function metadata(poolId: string) {
    const issuer = services.issuerOf(poolId);
    return {
      spec_version: '1_0',
      issuer,
      jwks_uri: `${issuer}/jwks`,
      delivery_methods_supported: [SSF_PUSH, SSF_POLL],
      configuration_endpoint: `${issuer}/ssf/stream`,
      status_endpoint: `${issuer}/ssf/status`,
      add_subject_endpoint: `${issuer}/ssf/subjects/add`,
      remove_subject_endpoint: `${issuer}/ssf/subjects/remove`,
      verification_endpoint: `${issuer}/ssf/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    };
  }

  app.register(async (scope) => {
    const ssf = scope as unknown as App;
    // Malformed requests get the SSF error shape (400 naming the field), never the API envelope.
    ssf.setErrorHandler((error, request, reply) => {
      const mapped = mapError(error);
      reportMapped(mapped, error, request, reply);
      const unavailable = mapped.status === 503;
      return fail(reply, {
        status: unavailable ? 503 : mapped.status >= 500 ? 500 : mapped.status,
        err: unavailable
          ? 'temporarily_unavailable'
          : mapped.status >= 500
            ? 'server_error'
            : 'invalid_request',
        description: mapped.message,
      });
    });

    // SSF 1.0 §7.2: "/.well-known/ssf-configuration" between the host and the issuer's path;
    // and, for receivers that look under the issuer, there too.
    const metadataRoute = (req: FastifyRequest, reply: FastifyReply) => {
      const poolId = poolOf(req);
      if (!poolId) return fail(reply, { status: 404, err: 'not_found', description: 'No such issuer.' });
      return reply.header('cache-control', 'max-age=300').send(metadata(poolId));
    };
    ssf.get(`/.well-known/ssf-configuration${OIDC}`, { schema: hide }, metadataRoute);
    ssf.get(
      `/.well-known/ssf-configuration${POOLS}`,
      { schema: { ...hide, params: PoolParams } },
      metadataRoute,
    );

    for (const prefix of [OIDC, POOLS]) {
      const params = prefix === POOLS ? { params: PoolParams } : {};
      ssf.get(`${prefix}/.well-known/ssf-configuration`, { schema: { ...hide, ...params } }, metadataRoute);

      // §8.1.1.1 create, §8.1.1.2 read, §8.1.1.3 update, §8.1.1.4 replace, §8.1.1.5 delete.
      ssf.post(
        `${prefix}/ssf/stream`,
        { schema: { ...hide, ...params, body: StreamBody } },
        async (req, reply) => {
          const r = await receiver(req, reply);
          if (!r) return reply;
          const created = await services.streams.create(r, req.body);
          if (!created.ok) return fail(reply, created);
          return reply
            .status(201)
            .header('cache-control', 'no-store')
            .send(services.streams.present(created.value));
        },
      );
      ssf.get(
        `${prefix}/ssf/stream`,
        { schema: { ...hide, ...params, querystring: StreamQuery } },
        async (req, reply) => {
          const r = await receiver(req, reply);
          if (!r) return reply;
          const read = await services.streams.read(r, req.query.stream_id);
          if (!read.ok) return fail(reply, read);
          const value = read.value;
          return reply
            .header('cache-control', 'no-store')
            .send(
              Array.isArray(value) ? value.map(services.streams.present) : services.streams.present(value),
            );
        },
      );
      for (const [method, replace] of [
        ['patch', false],
        ['put', true],
      ] as const) {
        ssf[method](
          `${prefix}/ssf/stream`,
          { schema: { ...hide, ...params, body: StreamBody } },
          async (req, reply) => {
            const r = await receiver(req, reply);
            if (!r) return reply;
            const updated = await services.streams.update(r, req.body, replace);
            if (!updated.ok) return fail(reply, updated);
            return reply.header('cache-control', 'no-store').send(services.streams.present(updated.value));
          },
        );
      }
      ssf.delete(
        `${prefix}/ssf/stream`,
        { schema: { ...hide, ...params, querystring: StreamQuery } },
        async (req, reply) => {
          const r = await receiver(req, reply);
          if (!r) return reply;
          const removed = await services.streams.remove(r, req.query.stream_id);
          if (!removed.ok) return fail(reply, removed);
          return reply.status(204).header('cache-control', 'no-store').send();
        },
      );

      // §8.1.2 status.
      ssf.get(
        `${prefix}/ssf/status`,
        { schema: { ...hide, ...params, querystring: StreamQuery } },
        async (req, reply) => {
          const r = await receiver(req, reply);
          if (!r) return reply;
          const status = await services.streams.status(r, req.query.stream_id);
          if (!status.ok) return fail(reply, status);
          return reply.header('cache-control', 'no-store').send(status.value);
        },
      );
      ssf.post(
        `${prefix}/ssf/status`,
        { schema: { ...hide, ...params, body: StatusBody } },
        async (req, reply) => {
          const r = await receiver(req, reply);
          if (!r) return reply;
          const status = await services.streams.setStatus(r, req.body);
          if (!status.ok) return fail(reply, status);
          return reply.header('cache-control', 'no-store').send(status.value);
        },
      );

      // §8.1.3.2 add subject (200), §8.1.3.3 remove subject (204).
      for (const [path, include] of [
        ['add', true],
        ['remove', false],
      ] as const) {
        ssf.post(
          `${prefix}/ssf/subjects/${path}`,
          { schema: { ...hide, ...params, body: SubjectBody } },
          async (req, reply) => {
            const r = await receiver(req, reply);
            if (!r) return reply;
            const done = await services.streams.subject(r, req.body, include);
            if (!done.ok) return fail(reply, done);
            return reply
              .status(include ? 200 : 204)
              .header('cache-control', 'no-store')
              .send();
          },
        );
      }

      // §8.1.4.2 verification.
      ssf.post(
        `${prefix}/ssf/verify`,
        { schema: { ...hide, ...params, body: VerifyBody } },
        async (req, reply) => {
          const r = await receiver(req, reply);
          if (!r) return reply;
          const done = await services.streams.verify(r, req.body);
          if (!done.ok) return fail(reply, done);
          return reply.status(204).header('cache-control', 'no-store').send();
        },
      );

      // RFC 8936 §2.4: the poll endpoint of a stream (its delivery.endpoint_url).
      ssf.post(
        `${prefix}/ssf/poll/:streamId`,
        {
          schema: {
            ...hide,
            params: Type.Object({ streamId: Id, ...(prefix === POOLS ? { poolId: Id } : {}) }),
            body: PollBody,
          },
        },
        async (req, reply) => {
          const r = await receiver(req, reply);
          if (!r) return reply;
          // A long poll ends early when its client goes away. The response's close, not the
          // request's: on Node 24 the request stream closes as soon as its body has been read.
          const aborted = new AbortController();
          reply.raw.once('close', () => aborted.abort());
          const polled = await services.setPoller.poll(r, req.params.streamId, req.body, aborted.signal);
          if (!polled.ok) return fail(reply, polled);
          return reply.header('cache-control', 'no-store').send(polled.value);
        },
      );

      // The SDK verifier's start: this app's sessions that ended while its tokens may still be
      // presented, so that a restarted API refuses what was revoked while it was down.
      ssf.get(`${prefix}/ssf/revocations`, { schema: { ...hide, ...params } }, async (req, reply) => {
        const r = await receiver(req, reply);
        if (!r) return reply;
        return reply.header('cache-control', 'no-store').send(await services.streams.revocations(r));
      });
    }
  });
}
