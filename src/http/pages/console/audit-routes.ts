// A pool's audit trail of session ends, a page at a time, with apps named.
import type { HttpContext } from '../../context.ts';
import type { PageApp } from '../page-app.ts';
import { single } from '../params.ts';
import { auditPage } from './audit-view.ts';
import { type ConsoleGuard, positive, show } from './console-guard.ts';

const AUDIT_PAGE_SIZE = 25;

export function auditRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/audit',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      const page = positive(single(req.query, 'page'));
      const [ends, apps] = await Promise.all([
        services.audit.sessionEnds(s.pool.id, page, AUDIT_PAGE_SIZE),
        services.apps.list(s.pool.id),
      ]);
      return show(
        reply,
        auditPage(guard.frame(req, reply, s, 'audit'), {
          page,
          pageSize: AUDIT_PAGE_SIZE,
          ends,
          appNames: new Map(apps.map((a) => [a.id, a.name])),
        }),
      );
    },
  );
}
