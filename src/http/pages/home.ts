// GET /: a first-contact page pointing to the sign-in page, the personal center, the console
// and the developer entry points (issue 11). A page like the others: strict CSP, no script.
import type { HttpContext } from '../context.ts';
import { homePage } from './home-view.ts';
import type { PageApp } from './page-app.ts';
import { sendPage } from './page-reply.ts';

export function homeRoutes(app: PageApp, { services }: HttpContext) {
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    sendPage(reply, homePage({ issuer: `${services.settings.publicUrl}/oidc` })),
  );
}
