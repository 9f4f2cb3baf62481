// The administrator console (CONTRACT §6 `/console`): sign-in, then per pool the apps with
// their settings and Login status (Force logout per user and for a checked set, log out
// everyone as a job), users and their sessions, back-channel deliveries, and the audit trail.
// Handlers are thin: every end goes through the logout service (the session core), with the
// administrator's email as the actor. Every state-changing form is a CSRF-checked POST followed
// by a redirect (post/redirect/get), except those that show a secret once.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_SESSION_TTL_MS } from '../../domain/admins.ts';
import { checkBackchannelUri, checkRedirectUri } from '../../domain/apps/redirect-uris.ts';
import type { Actor, Admin, App, DeliveryStatus, Pool } from '../../domain/model.ts';
import type { HttpContext } from '../context.ts';
import {
  type AppPageView,
  appPage,
  appPath,
  appsPage,
  auditPage,
  bulkLogoutPage,
  type ConsoleFrame,
  type ConsoleSection,
  consoleLoginPage,
  consoleMessagePage,
  DELIVERY_STATUSES,
  deliveriesPage,
  poolPath,
  type SettingsErrors,
  type SettingsForm,
  settingsFormOf,
  userPage,
  userPath,
  usersPage,
} from './console-view.ts';
import { CSRF_FIELD, type Csrf } from './csrf.ts';
import type { Markup } from './html.ts';
import { retryIn } from './login-view.ts';
import type { PageApp } from './page-app.ts';
import { redirectTo, sendPage } from './page-reply.ts';
import { single } from './params.ts';

export const CONSOLE_COOKIE = 'signoff_console';
const LOGIN_PATH = '/console/login';
/** At most this many users in one Force logout selected (the API's kick has the same cap). */
export const MAX_SELECTED = 1000;
const ACTIVE_PAGE_SIZE = 50;
const AUDIT_PAGE_SIZE = 25;
const DELIVERIES_PAGE_SIZE = 50;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

// Notices are chosen by key, never taken from the URL as text.
const NOTICES: Record<string, (n: number) => string> = {
  'forced-logout': (n) =>
    `Forced logout done: ${n === 1 ? '1 session' : `${n} sessions`} ended in this app. Those users must sign in again to use it.`,
  'nothing-selected': () => 'No user was selected: nothing was ended.',
  'too-many': () =>
    `At most ${MAX_SELECTED} users can be forced out at once; use "Log out everyone" for more.`,
  'settings-saved': () => 'Settings saved.',
  'session-ended': () => 'Session ended. That device is signed out of every app.',
  'already-ended': () => 'That session had already ended.',
  'all-ended': (n) => (n === 1 ? '1 session ended.' : `${n} sessions ended.`),
  replayed: (n) => (n === 1 ? '1 delivery queued again.' : `${n} deliveries queued again.`),
};

/** A form field given once or several times (checkboxes), as a list. */
function many(body: unknown, name: string): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const value = (body as Record<string, unknown>)[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

const positive = (text: string | null, fallback = 1) => {
  const n = Number.parseInt(text ?? '', 10);
  return Number.isSafeInteger(n) && n >= 1 && n <= 1_000_000 ? n : fallback;
};

interface Signed {
  admin: Admin;
  actor: Actor;
  pools: Pool[];
  pool: Pool;
}

export function consoleRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const { services } = ctx;
  const cookieOptions = {
    httpOnly: true,
    // The console is only ever reached by typing its address or following its own links.
    sameSite: 'strict' as const,
    secure: ctx.cookie.secure,
    path: '/console',
  };

  const secretOf = (req: FastifyRequest) => {
    const value = req.cookies[CONSOLE_COOKIE];
    return value && COOKIE_VALUE.test(value) ? value : null;
  };

  async function adminOf(req: FastifyRequest): Promise<Admin | null> {
    const secret = secretOf(req);
    return secret ? services.admins.consoleSession(secret) : null;
  }

  const notFound = (reply: FastifyReply, what: string, back = '/console') =>
    sendPage(reply, consoleMessagePage('Not found', what, { href: back, label: 'Back to the console' }), {
      status: 404,
    });

  /**
   * The signed-in administrator and the pool named in the URL; null after answering (a redirect
   * to sign in, a 404 page for an unknown pool, a 403 page for a form without a valid CSRF token).
   */
  async function signedIn(
    req: FastifyRequest<{ Params: { poolId: string } }>,
    reply: FastifyReply,
    options: { form?: boolean } = {},
  ): Promise<Signed | null> {
    if (options.form && !csrf.verify(req, single(req.body, CSRF_FIELD))) {
      void sendPage(
        reply,
        consoleMessagePage(
          'This form has expired',
          'For your security, Signoff could not accept this form. Nothing was changed. Open the page again and retry.',
          { href: '/console', label: 'Back to the console' },
        ),
        { status: 403 },
      );
      return null;
    }
    const admin = await adminOf(req);
    if (!admin) {
      void redirectTo(reply, LOGIN_PATH, options.form ? 303 : 302);
      return null;
    }
    const pools = await services.pools.list();
    const pool = pools.find((p) => p.id === req.params.poolId);
    if (!pool) {
      void notFound(reply, 'There is no pool with this id.');
      return null;
    }
    return { admin, actor: { type: 'admin', id: admin.email }, pools, pool };
  }

  function frame(req: FastifyRequest, reply: FastifyReply, s: Signed, section: ConsoleSection): ConsoleFrame {
    const key = single(req.query, 'notice');
    const notice =
      key && Object.hasOwn(NOTICES, key) ? NOTICES[key]!(positive(single(req.query, 'n'), 0)) : null;
    return {
      admin: s.admin,
      csrf: csrf.token(req, reply),
      pools: s.pools,
      pool: s.pool,
      section,
      now: services.clock.now(),
      notice,
    };
  }

  const show = (reply: FastifyReply, page: Markup, status = 200) => sendPage(reply, page, { status });

  // ---- sign-in ---------------------------------------------------------------------------------

  app.get('/console', { schema: { hide: true } }, async (req, reply) => {
    if (!(await adminOf(req))) return redirectTo(reply, LOGIN_PATH, 302);
    const poolId = services.defaultPoolId() ?? (await services.pools.list())[0]?.id;
    if (!poolId) return notFound(reply, 'There is no pool yet: create one with the signoff CLI.');
    return redirectTo(reply, `${poolPath(poolId)}/apps`, 302);
  });

  app.get('/console/switch', { schema: { hide: true } }, async (req, reply) => {
    const pool = single(req.query, 'pool');
    return redirectTo(reply, pool ? `${poolPath(pool)}/apps` : '/console', 302);
  });

  app.get(LOGIN_PATH, { schema: { hide: true } }, async (req, reply) => {
    if (await adminOf(req)) return redirectTo(reply, '/console', 302);
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
    const secret = secretOf(req);
    if (secret) await services.admins.endConsoleSession(secret);
    reply.clearCookie(CONSOLE_COOKIE, cookieOptions);
    return redirectTo(reply, LOGIN_PATH);
  });

  // ---- applications ------------------------------------------------------------------------------

  type PoolReq = FastifyRequest<{ Params: { poolId: string } }>;
  type AppReq = FastifyRequest<{ Params: { poolId: string; appId: string } }>;

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      return redirectTo(reply, `${poolPath(s.pool.id)}/apps`, 302);
    },
  );

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/apps',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      return show(reply, appsPage(frame(req, reply, s, 'apps'), await services.apps.list(s.pool.id), null));
    },
  );

  app.post<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/apps',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply, { form: true });
      if (!s) return reply;
      const name = (single(req.body, 'name') ?? '').trim().slice(0, 200);
      if (name === '') return redirectTo(reply, `${poolPath(s.pool.id)}/apps`);
      const created = await services.apps.create(s.pool.id, { name });
      // The secret is shown once, on this answer: no redirect, nothing in a URL.
      return show(
        reply,
        appsPage(frame(req, reply, s, 'apps'), await services.apps.list(s.pool.id), created),
        201,
      );
    },
  );

  /** The app named in the URL, within the pool; null after a 404 page. */
  async function appIn(s: Signed, req: AppReq, reply: FastifyReply): Promise<App | null> {
    const found = await services.apps.get(s.pool.id, req.params.appId);
    if (!found)
      void notFound(reply, 'This pool has no application with this id.', `${poolPath(s.pool.id)}/apps`);
    return found;
  }

  /** The console session and the app of its pool a request names; null once a page is sent. */
  async function signedInToApp(req: AppReq, reply: FastifyReply, options: { form?: boolean } = {}) {
    const s = await signedIn(req, reply, options);
    if (!s) return null;
    const app = await appIn(s, req, reply);
    return app ? { s, app } : null;
  }

  async function renderApp(
    req: AppReq,
    reply: FastifyReply,
    s: Signed,
    found: App,
    extra: { form?: SettingsForm; errors?: SettingsErrors; rotated?: string | null; status?: number } = {},
  ) {
    const page = positive(single(req.query, 'page'));
    const view: AppPageView = {
      app: found,
      form: extra.form ?? settingsFormOf(found),
      errors: extra.errors ?? {},
      rotated: extra.rotated ?? null,
      active: await services.sessions.activeUsersOfApp(s.pool.id, found.id, page, ACTIVE_PAGE_SIZE),
      page,
      pageSize: ACTIVE_PAGE_SIZE,
    };
    return show(reply, appPage(frame(req, reply, s, 'apps'), view), extra.status ?? 200);
  }

  app.get<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await signedInToApp(req, reply);
      if (!target) return reply;
      const { s, app: found } = target;
      return renderApp(req, reply, s, found);
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/settings',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const form: SettingsForm = {
        name: (single(req.body, 'name') ?? '').trim(),
        redirectUris: single(req.body, 'redirectUris') ?? '',
        logoutRedirectUris: single(req.body, 'logoutRedirectUris') ?? '',
        backchannelLogoutUri: (single(req.body, 'backchannelLogoutUri') ?? '').trim(),
      };
      const errors: SettingsErrors = {};
      if (form.name === '' || form.name.length > 200) errors.name = 'Enter a name of at most 200 characters.';
      const checkLines = (key: 'redirectUris' | 'logoutRedirectUris') => {
        const list = lines(form[key]);
        if (list.length > 100) errors[key] = 'At most 100 URIs.';
        for (const [i, uri] of list.entries()) {
          const problem = checkRedirectUri(uri);
          if (problem) {
            errors[key] = `Line ${i + 1}: ${problem}.`;
            break;
          }
        }
        return list;
      };
      const redirectUris = checkLines('redirectUris');
      const logoutRedirectUris = checkLines('logoutRedirectUris');
      if (form.backchannelLogoutUri !== '') {
        const problem = checkBackchannelUri(form.backchannelLogoutUri);
        if (problem) errors.backchannelLogoutUri = `It ${problem}.`;
      }
      if (Object.keys(errors).length > 0)
        return renderApp(req, reply, s, found, { form, errors, status: 400 });
      await services.apps.update(s.pool.id, found.id, {
        name: form.name,
        redirectUris,
        logoutRedirectUris,
        backchannelLogoutUri: form.backchannelLogoutUri === '' ? null : form.backchannelLogoutUri,
      });
      return redirectTo(reply, `${appPath(s.pool.id, found.id)}?notice=settings-saved`);
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/rotate-secret',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const rotated = await services.apps.rotateSecret(s.pool.id, found.id);
      if (!rotated) return notFound(reply, 'This pool has no application with this id.');
      return renderApp(req, reply, s, rotated.app, { rotated: rotated.secret });
    },
  );

  // Force logout: a row's button names its user (`userId`); Force logout selected sends the
  // checked boxes (`userIds`). Both are Authing's kick: the users' sessions in this app end.
  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/force-logout',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const one = single(req.body, 'userId');
      // Ids are at most 64 characters, as in the API; anything longer names no user.
      const userIds = [...new Set(one ? [one] : many(req.body, 'userIds'))].filter((id) => id.length <= 64);
      const back = appPath(s.pool.id, found.id);
      if (userIds.length === 0) return redirectTo(reply, `${back}?notice=nothing-selected`);
      if (userIds.length > MAX_SELECTED) return redirectTo(reply, `${back}?notice=too-many`);
      const ended = await services.logout.kickFromApp(s.pool.id, found.id, userIds, s.actor);
      return redirectTo(reply, `${back}?notice=forced-logout&n=${ended.sessions}`);
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/logout-all',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const job = await services.bulkLogouts.start(s.pool.id, found.id, s.actor);
      return redirectTo(reply, `${poolPath(s.pool.id)}/bulk-logouts/${encodeURIComponent(job.id)}`);
    },
  );

  app.get<{ Params: { poolId: string; jobId: string } }>(
    '/console/pools/:poolId/bulk-logouts/:jobId',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const job = await services.bulkLogouts.get(s.pool.id, req.params.jobId);
      if (!job)
        return notFound(reply, 'This pool has no bulk logout with this id.', `${poolPath(s.pool.id)}/apps`);
      const target = job.appId ? await services.apps.get(s.pool.id, job.appId) : null;
      return show(reply, bulkLogoutPage(frame(req, reply, s, 'apps'), job, target));
    },
  );

  // ---- deliveries --------------------------------------------------------------------------------

  app.get<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/deliveries',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await signedInToApp(req, reply);
      if (!target) return reply;
      const { s, app: found } = target;
      const asked = single(req.query, 'status');
      const status = DELIVERY_STATUSES.find((x) => x === asked) ?? null;
      const page = positive(single(req.query, 'page'));
      const deliveries = await services.logoutDeliveries.list(
        s.pool.id,
        found.id,
        status as DeliveryStatus | null,
        (page - 1) * DELIVERIES_PAGE_SIZE,
        DELIVERIES_PAGE_SIZE,
      );
      const users = await services.store.users.getMany(s.pool.id, [
        ...new Set(deliveries.list.map((d) => d.userId)),
      ]);
      return show(
        reply,
        deliveriesPage(frame(req, reply, s, 'apps'), {
          app: found,
          status,
          deliveries,
          users: new Map(users.map((u) => [u.id, u])),
        }),
      );
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/deliveries/replay',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const one = single(req.body, 'id');
      const queued = await services.logoutDeliveries.replay(s.pool.id, found.id, one ? [one] : 'failed');
      return redirectTo(reply, `${appPath(s.pool.id, found.id)}/deliveries?notice=replayed&n=${queued}`);
    },
  );

  // ---- users -------------------------------------------------------------------------------------

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/users',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const query = (single(req.query, 'q') ?? '').trim().slice(0, 254);
      const found = query === '' ? null : await services.users.search(s.pool.id, query, 50);
      return show(reply, usersPage(frame(req, reply, s, 'users'), query, found));
    },
  );

  type UserReq = FastifyRequest<{ Params: { poolId: string; userId: string } }>;
  async function userIn(s: Signed, req: UserReq, reply: FastifyReply) {
    const user = await services.users.get(s.pool.id, req.params.userId);
    if (!user) void notFound(reply, 'This pool has no user with this id.', `${poolPath(s.pool.id)}/users`);
    return user;
  }

  app.get<{ Params: { poolId: string; userId: string } }>(
    '/console/pools/:poolId/users/:userId',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const user = await userIn(s, req, reply);
      if (!user) return reply;
      const [sessions, apps] = await Promise.all([
        services.sessions.listOfUser(s.pool.id, user.id),
        services.apps.list(s.pool.id),
      ]);
      return show(
        reply,
        userPage(frame(req, reply, s, 'users'), {
          user,
          sessions,
          appNames: new Map(apps.map((a) => [a.id, a.name])),
        }),
      );
    },
  );

  app.post<{ Params: { poolId: string; userId: string; sid: string } }>(
    '/console/pools/:poolId/users/:userId/sessions/:sid/end',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply, { form: true });
      if (!s) return reply;
      const user = await userIn(s, req, reply);
      if (!user) return reply;
      const ended = await services.logout.endSessionAsAdmin(s.pool.id, req.params.sid, s.actor);
      return redirectTo(
        reply,
        `${userPath(s.pool.id, user.id)}?notice=${ended ? 'session-ended' : 'already-ended'}`,
      );
    },
  );

  app.post<{ Params: { poolId: string; userId: string } }>(
    '/console/pools/:poolId/users/:userId/end-all',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await signedIn(req, reply, { form: true });
      if (!s) return reply;
      const user = await userIn(s, req, reply);
      if (!user) return reply;
      const ended = await services.logout.endUsersAsAdmin(s.pool.id, [user.id], s.actor);
      return redirectTo(reply, `${userPath(s.pool.id, user.id)}?notice=all-ended&n=${ended.sessions}`);
    },
  );

  // ---- audit -------------------------------------------------------------------------------------

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/audit',
    { schema: { hide: true } },
    async (req: PoolReq, reply) => {
      const s = await signedIn(req, reply);
      if (!s) return reply;
      const page = positive(single(req.query, 'page'));
      const [ends, apps] = await Promise.all([
        services.audit.sessionEnds(s.pool.id, page, AUDIT_PAGE_SIZE),
        services.apps.list(s.pool.id),
      ]);
      return show(
        reply,
        auditPage(frame(req, reply, s, 'audit'), {
          page,
          pageSize: AUDIT_PAGE_SIZE,
          ends,
          appNames: new Map(apps.map((a) => [a.id, a.name])),
        }),
      );
    },
  );
}
