// The administrator console (CONTRACT §6 `/console`): sign-in, then per pool the apps with
// their settings and Login status (Force logout per user and for a checked set, log out
// everyone as a job), users and their sessions, back-channel deliveries, and the audit trail.
// Handlers are thin: every end goes through the logout service (the session core), with the
// administrator's email as the actor. Every state-changing form is a CSRF-checked POST followed
// by a redirect (post/redirect/get), except those that show a secret once.
import type { HttpContext } from '../../context.ts';
import type { Csrf } from '../csrf.ts';
import type { PageApp } from '../page-app.ts';
import { appDetailRoutes } from './app-detail-routes.ts';
import { appsRoutes } from './apps-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { createConsoleGuard } from './console-guard.ts';
import { deliveriesRoutes } from './deliveries-routes.ts';
import { signInRoutes } from './sign-in-routes.ts';
import { usersRoutes } from './users-routes.ts';

/** Registers every console page; each page module holds its routes beside its view. */
export function consoleRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const guard = createConsoleGuard(ctx, csrf);
  signInRoutes(app, ctx, csrf, guard);
  appsRoutes(app, ctx, guard);
  appDetailRoutes(app, ctx, guard);
  deliveriesRoutes(app, ctx, guard);
  usersRoutes(app, ctx, guard);
  auditRoutes(app, ctx, guard);
}
