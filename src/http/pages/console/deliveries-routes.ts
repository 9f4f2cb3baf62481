// An application's back-channel logout deliveries: the list (by status, a page at a time) and
// Retry, for one delivery or for every failed one.
import type { DeliveryStatus } from '../../../domain/model.ts';
import type { HttpContext } from '../../context.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import { type ConsoleGuard, positive, show } from './console-guard.ts';
import { appPath } from './console-layout.ts';
import { DELIVERY_STATUSES, deliveriesPage } from './deliveries-view.ts';

const DELIVERIES_PAGE_SIZE = 50;

export function deliveriesRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  app.get<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/deliveries',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply);
      if (!target) return reply;
      const { s, app: found } = target;
      const asked = single(req.query, 'status');
      const status = DELIVERY_STATUSES.find((x) => x === asked) ?? null;
      const page = positive(single(req.query, 'page'));
      const deliveries = await services.logoutDeliveries.list(
        s.pool.id,
        found.id,
        status as DeliveryStatus | null,
        (page - 1) * DELIVERIES_PAGE_SIZE,
        DELIVERIES_PAGE_SIZE,
      );
      const users = await services.store.users.getMany(s.pool.id, [
        ...new Set(deliveries.list.map((d) => d.userId)),
      ]);
      return show(
        reply,
        deliveriesPage(guard.frame(req, reply, s, 'apps'), {
          app: found,
          status,
          deliveries,
          users: new Map(users.map((u) => [u.id, u])),
        }),
      );
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/deliveries/replay',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const one = single(req.body, 'id');
      const queued = await services.logoutDeliveries.replay(s.pool.id, found.id, one ? [one] : 'failed');
      return redirectTo(reply, `${appPath(s.pool.id, found.id)}/deliveries?notice=replayed&n=${queued}`);
    },
  );
}
