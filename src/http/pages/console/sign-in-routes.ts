// Getting into the console and out of it: /console sends a signed-in administrator to a pool
// and anyone else to sign in; the sign-in form sets the console cookie, Sign out ends that
// console session. Both forms are CSRF-checked; a refused one changes nothing.
import { CONSOLE_SESSION_TTL_MS } from '../../../domain/admins.ts';
import { countThrottled } from '../../../metrics.ts';
import type { HttpContext } from '../../context.ts';
import { CSRF_FIELD, type Csrf } from '../csrf.ts';
import { retryIn } from '../formats.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import {
  CONSOLE_COOKIE,
  type ConsoleGuard,
  consoleCookieOptions,
  consoleSecretOf,
  LOGIN_PATH,
  show,
} from './console-guard.ts';
import { consoleMessagePage, poolPath } from './console-layout.ts';
import { consoleLoginPage } from './sign-in-view.ts';

export function signInRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf, guard: ConsoleGuard) {
  const { services } = ctx;
  const cookieOptions = consoleCookieOptions(ctx);

  app.get('/console', { schema: { hide: true } }, async (req, reply) => {
    if (!(await guard.adminOf(req))) return redirectTo(reply, LOGIN_PATH, 302);
    const poolId = services.defaultPoolId() ?? (await services.pools.list())[0]?.id;
    if (!poolId) return guard.notFound(reply, 'There is no pool yet: create one with the signoff CLI.');
    return redirectTo(reply, poolPath(poolId), 302);
  });

  app.get(LOGIN_PATH, { schema: { hide: true } }, async (req, reply) => {
    if (await guard.adminOf(req)) return redirectTo(reply, '/console', 302);
    return show(reply, consoleLoginPage({ csrf: csrf.token(req, reply), email: '', problem: null }));
  });

  app.post(LOGIN_PATH, { schema: { hide: true } }, async (req, reply) => {
    if (!csrf.verify(req, single(req.body, CSRF_FIELD))) {
      return show(
        reply,
        consoleMessagePage('This form has expired', 'Open the sign-in page again and retry.', {
          href: LOGIN_PATH,
          label: 'Back to sign in',
        }),
        403,
      );
    }
    const email = (single(req.body, 'email') ?? '').trim().slice(0, 254);
    const password = single(req.body, 'password') ?? '';
    const again = (problem: Parameters<typeof consoleLoginPage>[0]['problem'], status: number) =>
      show(reply, consoleLoginPage({ csrf: csrf.token(req, reply), email, problem }), status);
    if (email === '' || password === '') return again({ kind: 'missing' }, 400);
    const result = await services.admins.signIn(email, password.slice(0, 256), req.ip);
    if (!result.ok) {
      if (result.reason === 'credentials') return again({ kind: 'credentials' }, 401);
      countThrottled(services.metrics, req);
      const now = services.clock.now();
      reply.header('retry-after', String(Math.max(1, Math.ceil((result.retryAt - now) / 1000))));
      return again({ kind: 'throttled', retryIn: retryIn(result.retryAt, now) }, 429);
    }
    reply.setCookie(CONSOLE_COOKIE, result.secret, {
      ...cookieOptions,
      maxAge: Math.floor(CONSOLE_SESSION_TTL_MS / 1000),
    });
    return redirectTo(reply, '/console');
  });

  app.post('/console/logout', { schema: { hide: true } }, async (req, reply) => {
    if (!csrf.verify(req, single(req.body, CSRF_FIELD))) {
      return show(
        reply,
        consoleMessagePage(
          'This form has expired',
          'Nothing was changed. Open the console again and retry.',
          {
            href: '/console',
            label: 'Back to the console',
          },
        ),
        403,
      );
    }
    const secret = consoleSecretOf(req);
    if (secret) await services.admins.endConsoleSession(secret);
    reply.clearCookie(CONSOLE_COOKIE, cookieOptions);
    return redirectTo(reply, LOGIN_PATH);
  });
}
