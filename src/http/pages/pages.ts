// The hosted pages: assets, the home page, sign-in and sign-up, the personal center and the front-end logout
// routes, in one encapsulated scope whose errors are pages, not JSON envelopes.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, HttpContext } from '../context.ts';
import { mapError, reportMapped } from '../errors.ts';
import { assetRoutes } from './assets.ts';
import { consoleRoutes } from './console/console-routes.ts';
import type { Csrf } from './csrf.ts';
import { frontendLogoutRoutes } from './frontend-logout.ts';
import { homeRoutes } from './home.ts';
import { html } from './html.ts';
import { loginRoutes } from './login.ts';
import { errorPage, messagePage, unavailablePage } from './message-views.ts';
import type { PageApp } from './page-app.ts';
import { sendPage } from './page-reply.ts';
import { personalCenterRoutes } from './personal-center.ts';
import { signUpRoutes } from './sign-up.ts';

export function pageRoutes(app: App, ctx: HttpContext, csrf: Csrf) {
  app.register(async (scope) => {
    const pages = scope.withTypeProvider<TypeBoxTypeProvider>() as unknown as PageApp;
    pages.setErrorHandler((error, request, reply) => {
      const mapped = mapError(error);
      reportMapped(mapped, error, request, reply);
      if (mapped.status === 503) return sendPage(reply, unavailablePage(), { status: 503 });
      if (mapped.status >= 500) return sendPage(reply, errorPage(), { status: 500 });
      return sendPage(
        reply,
        messagePage({
          title: 'This request could not be handled',
          tone: 'warning',
          body: html`<p class="lead">${mapped.message}</p>`,
          action: { href: '/u', label: 'Back to your account' },
        }),
        { status: mapped.status },
      );
    });
    assetRoutes(pages);
    homeRoutes(pages, ctx);
    loginRoutes(pages, ctx, csrf);
    signUpRoutes(pages, ctx, csrf);
    personalCenterRoutes(pages, ctx, csrf);
    frontendLogoutRoutes(pages, ctx, csrf);
    consoleRoutes(pages, ctx, csrf);
  });
}
