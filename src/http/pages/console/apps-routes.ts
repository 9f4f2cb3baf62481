// A pool's applications, and creating an app, whose answer is the only place its secret is
// ever shown; and the pool switcher, which opens the chosen pool's dashboard.
import type { HttpContext } from '../../context.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import { appsPage } from './apps-view.ts';
import { type ConsoleGuard, show } from './console-guard.ts';
import { poolPath } from './console-layout.ts';

export function appsRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  app.get('/console/switch', { schema: { hide: true } }, async (req, reply) => {
    const pool = single(req.query, 'pool');
    return redirectTo(reply, pool ? poolPath(pool) : '/console', 302);
  });

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/apps',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      return show(
        reply,
        appsPage(guard.frame(req, reply, s, 'apps'), await services.apps.list(s.pool.id), null),
      );
    },
  );

  app.post<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/apps',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply, { form: true });
      if (!s) return reply;
      const name = (single(req.body, 'name') ?? '').trim().slice(0, 200);
      if (name === '') return redirectTo(reply, `${poolPath(s.pool.id)}/apps`);
      // A name alone: nothing here can be refused.
      const created = await services.apps.create(s.pool.id, { name });
      if (!created.ok) throw new Error(`app creation refused: ${created.problem}`);
      // The secret is shown once, on this answer: no redirect, nothing in a URL.
      return show(
        reply,
        appsPage(guard.frame(req, reply, s, 'apps'), await services.apps.list(s.pool.id), created),
        201,
      );
    },
  );
}
