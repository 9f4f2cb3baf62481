// A pool's dashboard: the page a pool opens on (/console, the pool switcher and the bare pool
// URL land here).
import type { HttpContext } from '../../context.ts';
import type { PageApp } from '../page-app.ts';
import { type ConsoleGuard, show } from './console-guard.ts';
import { dashboardPage } from './dashboard-view.ts';

export function dashboardRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      const overview = await services.dashboard.overview(s.pool.id);
      return show(reply, dashboardPage(guard.frame(req, reply, s, 'dashboard'), overview));
    },
  );
}
