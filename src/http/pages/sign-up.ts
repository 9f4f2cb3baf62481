// The hosted sign-up page, beside /login: GET /signup shows the form when the pool takes
// sign-ups (else a 404 page: the pool has no such page), POST /signup creates the account
// through the domain (the API's rules and per-address count), signs the browser in as /login
// does, and goes on to return_to — an OIDC sign-in too, which /login links here from.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '../../domain/model.ts';
import { countThrottled } from '../../metrics.ts';
import type { HttpContext } from '../context.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { browserSession } from './browser-session.ts';
import { CSRF_FIELD, type Csrf } from './csrf.ts';
import { formActionsFor, loginUrl, poolFor, signUpUrl } from './login.ts';
import { formExpiredPage, notFoundPage } from './message-views.ts';
import type { PageApp } from './page-app.ts';
import { redirectTo, sendPage } from './page-reply.ts';
import { single } from './params.ts';
import { isInteraction, safeReturnTo } from './return-to.ts';
import { type SignUpInputField, type SignUpProblem, signUpPage } from './sign-up-view.ts';

// Longer values are refused without hashing them (as on the sign-in page).
const MAX_PASSWORD = 1024;

const FIELD_LABELS: Record<'email' | 'password' | 'name' | 'username', string> = {
  email: 'The email',
  password: 'The password',
  name: 'The name',
  username: 'The username',
};

export function signUpRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const { services } = ctx;

  interface Render {
    pool: Pool;
    returnTo: string;
    poolParam: string | null;
    email: string;
    name: string;
    problem: SignUpProblem | null;
    status: number;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, r: Render) {
    const page = signUpPage({
      csrf: csrf.token(req, reply),
      returnTo: r.returnTo,
      pool: r.poolParam,
      email: r.email,
      name: r.name,
      problem: r.problem,
      signInHref: loginUrl(r.returnTo, r.poolParam),
      forApp: isInteraction(r.returnTo),
    });
    if (r.problem?.kind === 'throttled') {
      reply.header('retry-after', String(Math.max(1, Math.ceil((r.problem.retryAt - r.problem.now) / 1000))));
    }
    const formActions = await formActionsFor(services, r.pool.id, r.returnTo);
    return sendPage(reply, page, { status: r.status, formActions });
  }

  /** The 404 page of a pool without sign-ups (or without existence). */
  const noSignUp = (reply: FastifyReply, poolExists: boolean) =>
    sendPage(
      reply,
      notFoundPage(
        poolExists
          ? 'This user pool does not take sign-ups. Ask its administrator for an account, or sign in.'
          : 'This sign-up link names a user pool that does not exist.',
      ),
      { status: 404 },
    );

  /** The pool the page is for when it takes sign-ups; else the 404 page is sent and null returned. */
  async function signUpPool(reply: FastifyReply, poolParam: string | null): Promise<Pool | null> {
    const pool = await poolFor(services, poolParam);
    if (pool?.signUpEnabled) return pool;
    await noSignUp(reply, pool !== null);
    return null;
  }

  app.get('/signup', { schema: { hide: true } }, async (req, reply) => {
    const poolParam = single(req.query, 'pool') || null;
    const pool = await signUpPool(reply, poolParam);
    if (!pool) return reply;
    const returnTo = safeReturnTo(single(req.query, 'return_to'));
    // Signed in to this pool already: on to where the sign-up was to lead, as /login does.
    const session = await browserSession(services, req);
    if (session && session.poolId === pool.id) return redirectTo(reply, returnTo, 302);
    return render(req, reply, { pool, returnTo, poolParam, email: '', name: '', problem: null, status: 200 });
  });

  app.post('/signup', { schema: { hide: true } }, async (req, reply) => {
    const body = req.body;
    const returnTo = safeReturnTo(single(body, 'return_to'));
    const poolParam = single(body, 'pool') || null;
    if (!csrf.verify(req, single(body, CSRF_FIELD))) {
      return sendPage(reply, formExpiredPage(signUpUrl(returnTo, poolParam)), { status: 403 });
    }
    const pool = await signUpPool(reply, poolParam);
    if (!pool) return reply;

    const email = (single(body, 'email') ?? '').trim();
    const name = (single(body, 'name') ?? '').trim();
    const password = single(body, 'password') ?? '';
    const confirmation = single(body, 'confirm_password') ?? '';
    const base = { pool, returnTo, poolParam, email, name };
    const fieldProblem = (fields: SignUpInputField[], message: string) =>
      render(req, reply, { ...base, problem: { kind: 'field', fields, message }, status: 400 });

    const missing = (
      [
        ['email', email],
        ['password', password],
        ['confirm', confirmation],
      ] as const
    )
      .filter(([, value]) => value === '')
      .map(([field]) => field);
    if (missing.length > 0) return fieldProblem(missing, 'Enter your email, and a password twice.');
    if (password !== confirmation)
      return fieldProblem(['password', 'confirm'], 'The passwords do not match.');
    if (password.length > MAX_PASSWORD)
      return fieldProblem(['password'], 'The password must be at most 256 characters.');

    const result = await services.signUp.signUp({ poolId: pool.id, email, password, name, ip: req.ip });
    if (!result.ok) {
      switch (result.reason) {
        // Turned off (or the pool deleted) since the form was shown.
        case 'pool_not_found':
        case 'disabled':
          return noSignUp(reply, result.reason === 'disabled');
        case 'invalid': {
          const field: SignUpInputField = result.field === 'username' ? 'email' : result.field;
          return fieldProblem(
            field === 'password' ? ['password', 'confirm'] : [field],
            `${FIELD_LABELS[result.field]} ${result.problem}.`,
          );
        }
        case 'exists':
          return render(req, reply, { ...base, problem: { kind: 'exists' }, status: 409 });
        case 'throttled':
          countThrottled(services.metrics, req);
          return render(req, reply, {
            ...base,
            problem: { kind: 'throttled', retryAt: result.retryAt, now: services.clock.now() },
            status: 429,
          });
      }
    }
    // Signed in as after /login: a new session, its cookie replacing whatever the browser held.
    const started = await services.login.startSession(result.user, {
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      ip: req.ip,
    });
    setSessionCookie(reply, started.newCookieSecret, ctx.cookie);
    return redirectTo(reply, returnTo, 303);
  });
}
