// An app's back-channel logout deliveries (CONTRACT §4 and §6): the list with each one's
// status, and replay of failed ones.
import { Type } from 'typebox';
import type { DeliveryStatus } from '../../domain/model.ts';
import { requireAdmin } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import { DeliverySchema, presentDelivery } from '../presenters.ts';
import { emptyBodyIsEveryFailed, replayBody } from './replay-body.ts';

const AppParams = Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) });
// An enum rather than a union of literals: its validation error lists the allowed values.
const Status = Type.Unsafe<DeliveryStatus>({ type: 'string', enum: ['pending', 'delivered', 'failed'] });
const ListQuery = Type.Object({
  status: Type.Optional(Status),
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
});
const ReplayBody = replayBody('Deliveries');

export const logoutDeliveryRoutes: RouteModule = (app, { services }) => {
  const tags = ['management'];

  async function appOfPool(poolId: string, appId: string) {
    // An app of another pool is as unknown here as a missing one.
    if (!(await services.apps.get(poolId, appId))) throw errors.appNotFound();
  }

  app.get(
    '/api/v2/applications/:appId/logout-deliveries',
    {
      schema: {
        tags,
        summary: "An app's back-channel logout deliveries, newest first",
        params: AppParams,
        querystring: ListQuery,
        response: {
          200: Envelope(Type.Object({ totalCount: Type.Integer(), list: Type.Array(DeliverySchema) })),
        },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      await appOfPool(poolId, req.params.appId);
      const { status, page, limit } = req.query;
      const found = await services.logoutDeliveries.list(
        poolId,
        req.params.appId,
        status ?? null,
        (page - 1) * limit,
        limit,
      );
      return ok({ totalCount: found.totalCount, list: found.list.map(presentDelivery) });
    },
  );

  app.post(
    '/api/v2/applications/:appId/logout-deliveries/replay',
    {
      schema: {
        tags,
        summary: 'Queue back-channel logout deliveries again: every failed one, or the listed ones',
        params: AppParams,
        body: ReplayBody,
        response: { 200: Envelope(Type.Object({ queued: Type.Integer() })) },
      },
      preValidation: emptyBodyIsEveryFailed,
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      await appOfPool(poolId, req.params.appId);
      const queued = await services.logoutDeliveries.replay(
        poolId,
        req.params.appId,
        req.body.ids ?? 'failed',
      );
      return ok({ queued }, `${queued} queued again`);
    },
  );
};
