// Front-end logout routes in the shapes of the products apps were written for (CONTRACT §6):
// Authing's GET /login/profile/logout and Wix Headless's GET /v1/logout (with its two
// aliases). Each ends the browser's session through the logout service, expires every Signoff
// cookie, and redirects only to a logout redirect URI registered for the app, by exact string
// match. Whatever is wrong with a request, the session still ends: refusing to log someone out
// because an app sent a bad parameter would leave them signed in against their will.
//
// These are GETs that any site can trigger (that is the products' wire shape): the worst a
// hostile page can do with them is sign a visitor out, never send them anywhere unregistered.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FrontChannelLogoutOutcome } from '../../domain/logout/logout.ts';
import type { HttpContext } from '../context.ts';
import { expireBrowserCookies } from './browser-cookies.ts';
import { browserSession, principalOf } from './browser-session.ts';
import type { Csrf } from './csrf.ts';
import { type SignedOutView, signedOutPage } from './message-views.ts';
import type { PageApp } from './page-app.ts';
import { pageHeaders, redirectTo, sendPage } from './page-reply.ts';
import { param, REPEATED } from './params.ts';
import { wantsPage } from './wants-page.ts';

export const WIX_LOGOUT_PATHS = [
  '/v1/logout',
  '/_api/iam/authentication/v1/logout',
  '/iam/authentication/v1/logout',
];

/** An empty redirect parameter asks for no redirect. */
const redirectParam = (value: string | null) => (value === '' ? null : value);

export function frontendLogoutRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const { services } = ctx;

  /** Ends the browser's session (if any) and expires its cookies; the domain decides the redirect. */
  async function logOut(
    req: FastifyRequest,
    reply: FastifyReply,
    input: { appId: string | null; redirectUri: string | null },
  ): Promise<FrontChannelLogoutOutcome> {
    const session = await browserSession(services, req, { touch: false });
    const outcome = await services.logout.frontChannelLogout({
      session: session ? principalOf(session) : null,
      appId: input.appId,
      redirectUri: input.redirectUri,
      fallbackPoolId: services.defaultPoolId(),
    });
    expireBrowserCookies(req, reply, ctx.cookie, csrf);
    return outcome;
  }

  // Authing: ?redirect_uri=…[&app_id=…|&client_id=…]. Without an app, the URI must be registered
  // by some app of the pool. Unregistered: a 400 page that says so and offers a way back.
  app.get('/login/profile/logout', { schema: { hide: true } }, async (req, reply) => {
    const appParam = param(req.query, 'app_id') ?? param(req.query, 'client_id');
    const redirect = param(req.query, 'redirect_uri');
    if (appParam === REPEATED || redirect === REPEATED) {
      await logOut(req, reply, { appId: null, redirectUri: null });
      return sendPage(reply, signedOutPage({ refusedRedirect: true }), { status: 400 });
    }
    const outcome = await logOut(req, reply, {
      appId: appParam === '' ? null : appParam,
      redirectUri: redirectParam(redirect),
    });
    if (outcome.redirect.kind === 'follow') return redirectTo(reply, outcome.redirect.uri, 302);
    if (outcome.redirect.kind === 'refused') {
      return sendPage(reply, signedOutPage({ refusedRedirect: true }), { status: 400 });
    }
    return sendPage(reply, signedOutPage());
  });

  // Wix Headless: ?clientId=…&postLogoutRedirectUri=…. Errors are Wix's own JSON body for API
  // clients; a browser sent here by an app gets the signed-out page saying why it stayed, with
  // the same status (raw JSON in a browser is a dead end, issue 11).
  const wixError = (
    req: FastifyRequest,
    reply: FastifyReply,
    error: { status: number; message: string; details: object; page: SignedOutView },
  ) =>
    wantsPage(req)
      ? sendPage(reply, signedOutPage(error.page), { status: error.status })
      : pageHeaders(reply).status(error.status).send({ message: error.message, details: error.details });
  const fieldViolation = (field: string, description: string, violatedRule: string) => ({
    validationError: { fieldViolations: [{ field, description, violatedRule }] },
  });

  for (const path of WIX_LOGOUT_PATHS) {
    app.get(path, { schema: { hide: true } }, async (req, reply) => {
      const clientId = param(req.query, 'clientId');
      const redirect = param(req.query, 'postLogoutRedirectUri');
      if (clientId === REPEATED || redirect === REPEATED) {
        await logOut(req, reply, { appId: null, redirectUri: null });
        const field = clientId === REPEATED ? 'clientId' : 'postLogoutRedirectUri';
        return wixError(req, reply, {
          status: 400,
          message: `${field} must be given once`,
          details: fieldViolation(field, 'must be given once', 'OTHER'),
          page: { refusedRedirect: true },
        });
      }
      const redirectUri = redirectParam(redirect);
      if (clientId === null || clientId === '') {
        await logOut(req, reply, { appId: null, redirectUri: null });
        if (redirectUri === null) return sendPage(reply, signedOutPage());
        return wixError(req, reply, {
          status: 400,
          message: 'clientId is required with postLogoutRedirectUri',
          details: fieldViolation('clientId', 'is required to check postLogoutRedirectUri', 'REQUIRED_FIELD'),
          page: { refusedRedirect: true },
        });
      }
      const outcome = await logOut(req, reply, { appId: clientId, redirectUri });
      if (outcome.unknownApp) {
        return wixError(req, reply, {
          status: 404,
          message: 'OAuth app not found',
          details: {
            applicationError: {
              code: 'OAUTH_APP_NOT_FOUND',
              description: 'No OAuth app has this clientId',
              data: {},
            },
          },
          page: { unknownApp: true },
        });
      }
      if (outcome.redirect.kind === 'follow') return redirectTo(reply, outcome.redirect.uri, 302);
      if (outcome.redirect.kind === 'refused') {
        return wixError(req, reply, {
          status: 400,
          message: 'postLogoutRedirectUri is not registered for this OAuth app',
          details: fieldViolation(
            'postLogoutRedirectUri',
            'is not one of the OAuth app’s registered logout redirect URIs (exact match)',
            'OTHER',
          ),
          page: { refusedRedirect: true },
        });
      }
      return sendPage(reply, signedOutPage());
    });
  }
}
