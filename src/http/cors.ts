// Cross-origin access to the end-user API, for single-page apps that signed in through OIDC
// and call /api/v2/users/me, their sessions and logout with the access token (issue 8).
//
// Bearer tokens only: the answer allows any origin and never credentials, so a browser sends
// no cookie cross-origin and the session cookie stays a same-site credential; an origin learns
// nothing it could not learn with the token it already holds. Written here rather than with
// @fastify/cors because its preflight route is a global `OPTIONS *`, and this policy belongs to
// four routes only.
import type { App } from './context.ts';

const END_USER_ROUTES = [
  /^\/api\/v2\/users\/me$/,
  /^\/api\/v2\/users\/me\/sessions(\/[^/]+)?$/,
  /^\/api\/v2\/logout$/,
];
const ALLOWED_HEADERS = 'authorization, content-type, x-authing-app-id, x-authing-userpool-id';

const isEndUserRoute = (url: string) => {
  const path = url.split('?')[0]!;
  return END_USER_ROUTES.some((route) => route.test(path));
};

export function endUserCors(app: App) {
  app.addHook('onRequest', async (req, reply) => {
    if (req.headers.origin === undefined || !isEndUserRoute(req.url)) return;
    reply.header('access-control-allow-origin', '*');
    reply.header('vary', 'origin');
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
