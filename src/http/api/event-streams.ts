// An app's Shared Signals streams as its administrator sees them (issue 9): each stream's
// delivery, status and ledger — pending, held, delivered, failed, the last error, the lag —
// and the replay of the SETs it gave up on.
import { Type } from 'typebox';
import { requireAdmin } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import { emptyBodyIsEveryFailed, replayBody } from './replay-body.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const EventStreamSchema = Type.Object({
  id: Type.String({ description: 'The stream_id' }),
  delivery: Type.Enum(['push', 'poll']),
  endpointUrl: NullableString,
  status: Type.Enum(['enabled', 'paused', 'disabled']),
  statusReason: NullableString,
  description: NullableString,
  eventsDelivered: Type.Array(Type.String()),
  pending: Type.Integer({ description: 'SETs waiting to be pushed or polled' }),
  held: Type.Integer({ description: 'SETs held while the stream is paused' }),
  delivered: Type.Integer({ description: 'Pushed and answered, or polled and acknowledged' }),
  failed: Type.Integer(),
  lastError: NullableString,
  lagSeconds: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Age of the oldest SET still waiting',
  }),
  lastPolledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const eventStreamRoutes: RouteModule = (app, { services }) => {
  app.get(
    '/api/v2/applications/:appId/event-streams',
    {
      schema: {
        tags: ['management'],
        summary: "An app's Shared Signals event streams, with how their SETs stand",
        params: Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: Envelope(Type.Object({ totalCount: Type.Integer(), list: Type.Array(EventStreamSchema) })),
        },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      if (!(await services.apps.get(poolId, req.params.appId))) throw errors.appNotFound();
      const now = services.clock.now();
      const list = (await services.streamLedger.ledger(poolId, req.params.appId)).map(
        ({ stream, stats }) => ({
          id: stream.id,
          delivery: stream.delivery,
          endpointUrl: stream.endpointUrl,
          status: stream.status,
          statusReason: stream.statusReason,
          description: stream.description,
          eventsDelivered: stream.eventsDelivered,
          pending: stats.pending,
          held: stats.held,
          delivered: stats.delivered,
          failed: stats.failed,
          lastError: stats.lastError,
          lagSeconds:
            stats.oldestPendingAt === null
              ? null
              : Math.max(0, Math.round((now - stats.oldestPendingAt) / 1000)),
          lastPolledAt: iso(stream.lastPolledAt),
          createdAt: iso(stream.createdAt)!,
        }),
      );
      return ok({ totalCount: list.length, list });
    },
  );

  app.post(
    '/api/v2/applications/:appId/event-streams/:streamId/replay',
    {
      schema: {
        tags: ['management'],
        summary: "Queue a stream's SETs again: every failed one, or the listed jtis",
        params: Type.Object({
          appId: Type.String({ minLength: 1, maxLength: 64 }),
          streamId: Type.String({ minLength: 1, maxLength: 64 }),
        }),
        body: replayBody('jtis of SETs'),
        response: { 200: Envelope(Type.Object({ queued: Type.Integer() })) },
      },
      preValidation: emptyBodyIsEveryFailed,
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      if (!(await services.apps.get(poolId, req.params.appId))) throw errors.appNotFound();
      const queued = await services.streamLedger.replay(
        poolId,
        req.params.appId,
        req.params.streamId,
        req.body.ids ?? 'failed',
      );
      if (queued === null) throw errors.notFound('This app has no event stream with this id');
      return ok({ queued }, `${queued} queued again`);
    },
  );
};
