// The hosted login page (CONTRACT §6): GET /login shows the form — or, when the browser already
// holds a live session of the pool and no re-authentication is asked for, goes straight on
// (silent SSO); POST /login checks the password through the domain and sets the session cookie.
// The OIDC interaction sends browsers here as /login?return_to=/oidc/interaction/<uid>
// (&prompt=login to force the password) and expects signoff_session when they come back.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool, Session } from '../../domain/model.ts';
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

/** The pool a sign-in (or sign-up) is for: the `pool` parameter's when given (and real), else the default. */
export async function poolFor(services: Services, requested: string | null): Promise<Pool | null> {
  const id = requested === null || requested === '' ? services.defaultPoolId() : requested;
  return id === null ? null : services.pools.get(id);
}

/** OIDC prompt is a space-separated list (OpenID Connect Core §3.1.2.1). */
const forcesLogin = (prompt: string | null) => prompt?.split(' ').includes('login') ?? false;

function pageUrl(path: '/login' | '/signup', returnTo: string, pool: string | null) {
  const params = new URLSearchParams({ return_to: returnTo });
  if (pool) params.set('pool', pool);
  // Slashes need no escaping in a query: /login?return_to=/u reads better in an address bar.
  return `${path}?${params.toString().replaceAll('%2F', '/')}`;
}

export const loginUrl = (returnTo: string, pool: string | null = null) => pageUrl('/login', returnTo, pool);
export const signUpUrl = (returnTo: string, pool: string | null = null) => pageUrl('/signup', returnTo, pool);

/**
 * The registered redirect URIs of a pool's apps when the page leads on into an OIDC sign-in:
 * browsers hold the whole chain of redirects after a form post to its form-action, and that
 * chain ends at the app's redirect URI. Nothing else is added.
 */
export async function formActionsFor(services: Services, poolId: string, returnTo: string) {
  return isInteraction(returnTo) ? (await services.apps.list(poolId)).flatMap((a) => a.redirectUris) : [];
}

export function loginRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const { services } = ctx;

  interface Render {
    pool: Pool;
    returnTo: string;
    /** The `pool` parameter as given (carried through the form), or null. */
    poolParam: string | null;
    account: string;
    problem: LoginProblem | null;
    reauthenticating: Session | null;
    status: number;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, r: Render) {
    const user = r.reauthenticating ? await services.users.get(r.pool.id, r.reauthenticating.userId) : null;
    const page = loginPage({
      csrf: csrf.token(req, reply),
      returnTo: r.returnTo,
      pool: r.poolParam,
      account: r.account || (user ? handleOf(user) : ''),
      problem: r.problem,
      reauthenticating: user,
      forApp: isInteraction(r.returnTo),
      // Offered only where it would work: a pool that takes sign-ups.
      signUpHref: r.pool.signUpEnabled && !user ? signUpUrl(r.returnTo, r.poolParam) : null,
    });
    const formActions = await formActionsFor(services, r.pool.id, r.returnTo);
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
    const poolParam = single(req.query, 'pool');
    const pool = await poolFor(services, poolParam);
    if (!pool) return unknownPool(reply);
    const returnTo = safeReturnTo(single(req.query, 'return_to'));
    const session = await browserSession(services, req);
    const live = session && session.poolId === pool.id ? session : null;
    if (live && !forcesLogin(single(req.query, 'prompt'))) return redirectTo(reply, returnTo, 302);
    return render(req, reply, {
      pool,
      returnTo,
      poolParam: poolParam || null,
      account: '',
      problem: null,
      reauthenticating: live,
      status: 200,
    });
  });

  app.post('/login', { schema: { hide: true } }, async (req, reply) => {
    const body = req.body;
    const returnTo = safeReturnTo(single(body, 'return_to'));
    const poolParam = single(body, 'pool') || null;
    if (!csrf.verify(req, single(body, CSRF_FIELD))) {
      return sendPage(reply, formExpiredPage(loginUrl(returnTo, poolParam)), { status: 403 });
    }
    const pool = await poolFor(services, poolParam);
    if (!pool) return unknownPool(reply);

    const account = (single(body, 'account') ?? '').trim();
    const password = single(body, 'password') ?? '';
    const base = { pool, returnTo, poolParam, account, reauthenticating: null };
    if (account === '' || password === '') {
      return render(req, reply, { ...base, problem: { kind: 'missing' }, status: 400 });
    }
    if (account.length > MAX_ACCOUNT || password.length > MAX_PASSWORD) {
      return render(req, reply, { ...base, problem: { kind: 'credentials' }, status: 401 });
    }

    const result = await services.login.withPasswordInPool({
      poolId: pool.id,
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
