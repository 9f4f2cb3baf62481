// What every console route does before its own work: find the signed-in administrator from
// the console cookie, check the form's CSRF token, resolve the pool (and the app of it) that
// the URL names, and build the page frame. Each check answers with a page itself (a redirect
// to sign in, 403, 404), so a handler only goes on with a value.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Admin, App, Pool } from '../../../domain/model.ts';
import type { HttpContext } from '../../context.ts';
import { CONSOLE_COOKIE } from '../../session-cookie.ts';
import { CSRF_FIELD, type Csrf } from '../csrf.ts';
import type { Markup } from '../html.ts';
import { redirectTo, sendPage } from '../page-reply.ts';
import { single } from '../params.ts';
import { readerTimeZone } from '../time-zone.ts';
import { type ConsoleFrame, type ConsoleSection, consoleMessagePage, poolPath } from './console-layout.ts';

export { CONSOLE_COOKIE };
export const LOGIN_PATH = '/console/login';
/** At most this many users in one Force logout selected (the API's kick has the same cap). */
export const MAX_SELECTED = 1000;
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
  'sets-replayed': (n) =>
    n === 1
      ? '1 security event queued again on its stream.'
      : `${n} security events queued again on their stream.`,
  'user-created': () => 'User created. They can sign in with the password you gave them.',
  'profile-saved': () => 'Profile saved.',
  'sign-up-on': () => 'Self sign-up is on: anyone can create an account at /signup.',
  'sign-up-off': () => 'Self sign-up is off.',
  'password-set': (n) =>
    `New password set${n > 0 ? `: ${n === 1 ? '1 session' : `${n} sessions`} ended` : ''}. Give it to the user another way.`,
  'user-deleted': (n) =>
    `User deleted${n > 0 ? `: ${n === 1 ? '1 session' : `${n} sessions`} ended` : ''}. They can no longer sign in.`,
  'app-deleted': (n) =>
    `Application deleted${n > 0 ? `: ${n === 1 ? '1 session' : `${n} sessions`} signed in to it ended` : ''}.`,
};

/** A page number or count from the URL: a whole number from 1 to a million, else `fallback`. */
export const positive = (text: string | null, fallback = 1) => {
  const n = Number.parseInt(text ?? '', 10);
  return Number.isSafeInteger(n) && n >= 1 && n <= 1_000_000 ? n : fallback;
};

export const show = (reply: FastifyReply, page: Markup, status = 200) => sendPage(reply, page, { status });

/** The console cookie's attributes, the same when it is set and when it is cleared. */
export const consoleCookieOptions = (ctx: HttpContext) => ({
  httpOnly: true,
  // The console is only ever reached by typing its address or following its own links.
  sameSite: 'strict' as const,
  secure: ctx.cookie.secure,
  path: '/console',
});

/** The console session secret the browser sent, when it has the shape of one. */
export const consoleSecretOf = (req: FastifyRequest) => {
  const value = req.cookies[CONSOLE_COOKIE];
  return value && COOKIE_VALUE.test(value) ? value : null;
};

/** A signed-in administrator at a pool they opened, with the actor their ends are audited as. */
export interface Signed {
  admin: Admin;
  actor: Actor;
  pools: Pool[];
  pool: Pool;
}

export type PoolRequest = FastifyRequest<{ Params: { poolId: string } }>;
export type AppRequest = FastifyRequest<{ Params: { poolId: string; appId: string } }>;

export interface ConsoleGuard {
  /** The administrator of the console cookie, or null. */
  adminOf(req: FastifyRequest): Promise<Admin | null>;
  /**
   * The signed-in administrator and the pool named in the URL; null after answering (a redirect
   * to sign in, a 404 page for an unknown pool, a 403 page for a form without a valid CSRF token).
   */
  signedIn(req: PoolRequest, reply: FastifyReply, options?: { form?: boolean }): Promise<Signed | null>;
  /** As signedIn, and the app of the pool the URL names; null once a page is sent. */
  signedInToApp(
    req: AppRequest,
    reply: FastifyReply,
    options?: { form?: boolean },
  ): Promise<{ s: Signed; app: App } | null>;
  /** The frame of a signed-in page, with the notice the URL asks for by key. */
  frame(req: FastifyRequest, reply: FastifyReply, s: Signed, section: ConsoleSection): ConsoleFrame;
  notFound(reply: FastifyReply, what: string, back?: string): FastifyReply;
}

export function createConsoleGuard(ctx: HttpContext, csrf: Csrf): ConsoleGuard {
  const { services } = ctx;

  async function adminOf(req: FastifyRequest): Promise<Admin | null> {
    const secret = consoleSecretOf(req);
    return secret ? services.admins.consoleSession(secret) : null;
  }

  const notFound = (reply: FastifyReply, what: string, back = '/console') =>
    sendPage(reply, consoleMessagePage('Not found', what, { href: back, label: 'Back to the console' }), {
      status: 404,
    });

  async function signedIn(
    req: PoolRequest,
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

  async function signedInToApp(req: AppRequest, reply: FastifyReply, options: { form?: boolean } = {}) {
    const s = await signedIn(req, reply, options);
    if (!s) return null;
    const app = await services.apps.get(s.pool.id, req.params.appId);
    if (!app) {
      void notFound(reply, 'This pool has no application with this id.', `${poolPath(s.pool.id)}/apps`);
      return null;
    }
    return { s, app };
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
      timeZone: readerTimeZone(req),
      path: req.url,
    };
  }

  return { adminOf, signedIn, signedInToApp, frame, notFound };
}
