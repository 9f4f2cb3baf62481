// A pool's audit trail of session ends, a page at a time, with its users and apps named.
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
      const trail = await services.audit.trail(s.pool.id, page, AUDIT_PAGE_SIZE);
      return show(
        reply,
        auditPage(guard.frame(req, reply, s, 'audit'), { page, pageSize: AUDIT_PAGE_SIZE, trail }),
      );
    },
  );
}
