// The administrator console (CONTRACT §6 `/console`): sign-in, then per pool a dashboard, the
// apps with their settings and Login status (Force logout per user and for a checked set, log
// out everyone as a job, deletion), users (list, create, edit, delete) and their sessions,
// back-channel deliveries, and the audit trail. Handlers are thin: every end goes through the
// logout service (the session core), with the administrator's email as the actor. Every
// state-changing form is a CSRF-checked POST followed by a redirect (post/redirect/get), except
// those that show a secret once; every destructive one answers a confirmation page first and
// acts only on its confirmed post (confirm-view.ts).
import type { HttpContext } from '../../context.ts';
import type { Csrf } from '../csrf.ts';
import type { PageApp } from '../page-app.ts';
import { appActionsRoutes } from './app-actions-routes.ts';
import { appDetailRoutes } from './app-detail-routes.ts';
import { appsRoutes } from './apps-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { createConsoleGuard } from './console-guard.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { deliveriesRoutes } from './deliveries-routes.ts';
import { signInRoutes } from './sign-in-routes.ts';
import { timeZoneRoutes } from './time-zone-routes.ts';
import { userRoutes } from './user-routes.ts';
import { usersRoutes } from './users-routes.ts';

/** Registers every console page; each page module holds its routes beside its view. */
export function consoleRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const guard = createConsoleGuard(ctx, csrf);
  signInRoutes(app, ctx, csrf, guard);
  dashboardRoutes(app, ctx, guard);
  appsRoutes(app, ctx, guard);
  appDetailRoutes(app, ctx, guard);
  appActionsRoutes(app, ctx, guard);
  deliveriesRoutes(app, ctx, guard);
  usersRoutes(app, ctx, guard);
  userRoutes(app, ctx, guard);
  auditRoutes(app, ctx, guard);
  timeZoneRoutes(app, ctx, csrf);
}
