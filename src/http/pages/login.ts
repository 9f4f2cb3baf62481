// The hosted login page (CONTRACT §6): GET /login shows the form — or, when the browser already
// holds a live session of the pool and no re-authentication is asked for, goes straight on
// (silent SSO); POST /login checks the password through the domain and sets the session cookie.
// The OIDC interaction sends browsers here as /login?return_to=/oidc/interaction/<uid>
// (&prompt=login to force the password) and expects signoff_session when they come back.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../../domain/model.ts';
import type { Services } from '../../domain/services.ts';
import { countThrottled } from '../../metrics.ts';
import type { HttpContext } from '../context.ts';
import { readSessionCookie, setSessionCookie } from '../session-cookie.ts';
import { browserSession } from './browser-session.ts';
import { CSRF_FIELD, type Csrf } from './csrf.ts';
import { handleOf } from './layout.ts';
import { type LoginProblem, loginPage } from './login-view.ts';
import { formExpiredPage, notFoundPage } from './message-views.ts';
import type { PageApp } from './page-app.ts';
import { redirectTo, sendPage } from './page-reply.ts';
import { single } from './params.ts';
import { isInteraction, safeReturnTo } from './return-to.ts';

// Longer values are refused without hashing them: no real account or password is this long.
const MAX_ACCOUNT = 254;
const MAX_PASSWORD = 1024;

/** The pool a sign-in is for: the `pool` parameter's when given (and real), else the default. */
async function poolFor(services: Services, requested: string | null): Promise<string | null> {
  if (requested === null || requested === '') return services.defaultPoolId();
  return (await services.pools.get(requested))?.id ?? null;
}

/** OIDC prompt is a space-separated list (OpenID Connect Core §3.1.2.1). */
const forcesLogin = (prompt: string | null) => prompt?.split(' ').includes('login') ?? false;

export function loginUrl(returnTo: string, pool: string | null = null) {
  const params = new URLSearchParams({ return_to: returnTo });
  if (pool) params.set('pool', pool);
  // Slashes need no escaping in a query: /login?return_to=/u reads better in an address bar.
  return `/login?${params.toString().replaceAll('%2F', '/')}`;
}

export function loginRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const { services } = ctx;

  interface Render {
    poolId: string;
    returnTo: string;
    pool: string | null;
    account: string;
    problem: LoginProblem | null;
    reauthenticating: Session | null;
    status: number;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, r: Render) {
    const user = r.reauthenticating ? await services.users.get(r.poolId, r.reauthenticating.userId) : null;
    // An OIDC sign-in ends, after a few same-origin hops, at the app's redirect URI; browsers
    // hold that whole chain to this page's form-action, so the pool's registered redirect URIs
    // are listed (and nothing else).
    const formActions = isInteraction(r.returnTo)
      ? (await services.apps.list(r.poolId)).flatMap((a) => a.redirectUris)
      : [];
    const page = loginPage({
      csrf: csrf.token(req, reply),
      returnTo: r.returnTo,
      pool: r.pool,
      account: r.account || (user ? handleOf(user) : ''),
      problem: r.problem,
      reauthenticating: user,
      forApp: isInteraction(r.returnTo),
    });
    if (r.problem?.kind === 'throttled') {
      reply.header('retry-after', String(Math.max(1, Math.ceil((r.problem.retryAt - r.problem.now) / 1000))));
    }
    return sendPage(reply, page, { status: r.status, formActions });
  }

  const unknownPool = (reply: FastifyReply) =>
    sendPage(reply, notFoundPage('This sign-in link names a user pool that does not exist.'), {
      status: 404,
    });

  app.get('/login', { schema: { hide: true } }, async (req, reply) => {
    const pool = single(req.query, 'pool');
    const poolId = await poolFor(services, pool);
    if (!poolId) return unknownPool(reply);
    const returnTo = safeReturnTo(single(req.query, 'return_to'));
    const session = await browserSession(services, req);
    const live = session && session.poolId === poolId ? session : null;
    if (live && !forcesLogin(single(req.query, 'prompt'))) return redirectTo(reply, returnTo, 302);
    return render(req, reply, {
      poolId,
      returnTo,
      pool: pool || null,
      account: '',
      problem: null,
      reauthenticating: live,
      status: 200,
    });
  });

  app.post('/login', { schema: { hide: true } }, async (req, reply) => {
    const body = req.body;
    const returnTo = safeReturnTo(single(body, 'return_to'));
    const pool = single(body, 'pool') || null;
    if (!csrf.verify(req, single(body, CSRF_FIELD))) {
      return sendPage(reply, formExpiredPage(loginUrl(returnTo, pool)), { status: 403 });
    }
    const poolId = await poolFor(services, pool);
    if (!poolId) return unknownPool(reply);

    const account = (single(body, 'account') ?? '').trim();
    const password = single(body, 'password') ?? '';
    const base = { poolId, returnTo, pool, account, reauthenticating: null };
    if (account === '' || password === '') {
      return render(req, reply, { ...base, problem: { kind: 'missing' }, status: 400 });
    }
    if (account.length > MAX_ACCOUNT || password.length > MAX_PASSWORD) {
      return render(req, reply, { ...base, problem: { kind: 'credentials' }, status: 401 });
    }

    const result = await services.login.withPasswordInPool({
      poolId,
      account,
      password,
      cookieSecret: readSessionCookie(req),
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      ip: req.ip,
    });
    if (!result.ok) {
      if (result.reason === 'throttled') countThrottled(services.metrics, req);
      const problem: LoginProblem =
        result.reason === 'throttled'
          ? { kind: 'throttled', retryAt: result.retryAt, now: services.clock.now() }
          : { kind: 'credentials' };
      return render(req, reply, { ...base, problem, status: problem.kind === 'throttled' ? 429 : 401 });
    }
    if (result.newCookieSecret) setSessionCookie(reply, result.newCookieSecret, ctx.cookie);
    return redirectTo(reply, returnTo, 303);
  });
}
