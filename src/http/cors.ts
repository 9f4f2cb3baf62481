// Cross-origin access to the end-user API (sign-in, sign-up, /api/v2/users/me, my password, my
// sessions, logout), for web apps calling it from the browser: an SPA with its OIDC access
// token, or the SDK with its token or the session cookie.
//
// - From the origin of a URI some app registered (a redirect or logout redirect URI): that
//   origin, with credentials, so the SDK's `credentials: 'include'` carries the session cookie.
// - From any other origin: `*` without credentials. Bearer tokens are not ambient, so such an
//   origin can do only what the token it already holds allows; the browser sends no cookie and
//   keeps none it is sent, so a page elsewhere cannot sign a visitor's browser in to an account
//   of its choosing (login CSRF). Sign-in from it is what the same request from a server could
//   do, under the same throttles.
//
// Written here rather than with @fastify/cors because its preflight route is a global
// `OPTIONS *`, and this policy belongs to these routes only.
import type { Services } from '../domain/services.ts';
import type { App } from './context.ts';

const END_USER_ROUTES = [
  /^\/api\/v2\/login\/account$/,
  /^\/api\/v2\/register\/email$/,
  /^\/api\/v2\/users\/me\/password$/,
  /^\/api\/v2\/users\/me$/,
  /^\/api\/v2\/users\/me\/sessions(\/[^/]+)?$/,
  /^\/api\/v2\/logout$/,
];
const ALLOWED_HEADERS = 'authorization, content-type, x-authing-app-id, x-authing-userpool-id';

const isEndUserRoute = (url: string) => {
  const path = url.split('?')[0]!;
  return END_USER_ROUTES.some((route) => route.test(path));
};

export function endUserCors(app: App, services: Services) {
  app.addHook('onRequest', async (req, reply) => {
    const { origin } = req.headers;
    if (origin === undefined || !isEndUserRoute(req.url)) return;
    reply.header('vary', 'origin');
    if ((await services.apps.registeredOrigins()).has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
    } else {
      reply.header('access-control-allow-origin', '*');
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      return reply
        .status(204)
        .header('access-control-allow-methods', 'GET, POST, DELETE')
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .send();
    }
  });
}
