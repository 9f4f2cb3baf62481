// The personal center (CONTRACT §6): GET /u, the three ways a user ends sessions from it —
// Log out (this session), End session (one other device), Log out other devices — changing
// the password (which by default logs the other devices out), and the time zone of the page's
// times. Each is a CSRF-checked POST into the domain, then a redirect (post/redirect/get), or
// the page again with what to fix.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../../domain/model.ts';
import { countThrottled } from '../../metrics.ts';
import type { HttpContext } from '../context.ts';
import { errors } from '../errors.ts';
import { expireBrowserCookies } from './browser-cookies.ts';
import { browserSession, principalOf } from './browser-session.ts';
import { confirmed } from './confirm-card.ts';
import { CSRF_FIELD, type Csrf } from './csrf.ts';
import { deviceName, formatTime, retryIn, timeZoneOf } from './formats.ts';
import { loginUrl } from './login.ts';
import { formExpiredPage, signedOutPage } from './message-views.ts';
import type { PageApp } from './page-app.ts';
import { redirectTo, sendPage } from './page-reply.ts';
import { many, single } from './params.ts';
import {
  type PasswordFormState,
  personalCenterPage,
  personalConfirmPage,
  sessionList,
} from './personal-center-view.ts';
import { readerTimeZone, rememberTimeZone, TIME_ZONE_FIELD } from './time-zone.ts';

// Notices are chosen by key, never taken from the URL as text.
const NOTICES: Record<string, string> = {
  'session-ended': 'Session ended. That device is now signed out of every app.',
  'others-ended': 'Your other devices are signed out.',
  'already-ended': 'That session had already ended.',
  'password-changed': 'Your password is changed. Your other devices are signed out.',
  'password-changed-kept': 'Your password is changed. Your other devices stay signed in.',
  'time-zone-saved': 'Time zone saved.',
};

// Longer values are refused without hashing them (as on the sign-in page).
const MAX_PASSWORD = 1024;

export const SIGNED_OUT_PATH = '/signed-out';

export function personalCenterRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  const { services } = ctx;
  const toSignIn = (reply: FastifyReply) => redirectTo(reply, loginUrl('/u'), 303);

  const expireCookies = (req: FastifyRequest, reply: FastifyReply) =>
    expireBrowserCookies(req, reply, ctx.cookie, csrf);

  /** A form post's CSRF check; false after answering 403 (and before anything is changed). */
  function checked(req: FastifyRequest, reply: FastifyReply): boolean {
    if (csrf.verify(req, single(req.body, CSRF_FIELD))) return true;
    void sendPage(reply, formExpiredPage('/u'), { status: 403 });
    return false;
  }

  /** The signed-in user, their live sessions and the pool's app names: what /u and its confirmations show. */
  async function ownSessions(session: Session) {
    const [user, sessions, appNames] = await Promise.all([
      services.users.get(session.poolId, session.userId),
      services.sessions.listOfUser(session.poolId, session.userId),
      services.apps.names(session.poolId),
    ]);
    return { user, sessions, appNames };
  }

  /** The personal center of a signed-in browser; with the password form's problem after a failed change. */
  async function showCenter(
    req: FastifyRequest,
    reply: FastifyReply,
    session: Session,
    options: { password?: PasswordFormState; status?: number } = {},
  ) {
    const { user, sessions, appNames } = await ownSessions(session);
    if (!user) return redirectTo(reply, loginUrl('/u'), 302);
    return sendPage(
      reply,
      personalCenterPage({
        account: { user, csrf: csrf.token(req, reply) },
        currentSessionId: session.id,
        sessions,
        appNames,
        now: services.clock.now(),
        notice: options.password ? null : (NOTICES[single(req.query, 'notice') ?? ''] ?? null),
        timeZone: readerTimeZone(req),
        password: options.password ?? null,
      }),
      { status: options.status ?? 200 },
    );
  }

  app.get('/u', { schema: { hide: true } }, async (req, reply) => {
    const session = await browserSession(services, req);
    if (!session) return redirectTo(reply, loginUrl('/u'), 302);
    return showCenter(req, reply, session);
  });

  // Change password: the current one, the new one twice, and whether to log the other devices
  // out (ticked by default; a post without the box at all keeps the default).
  app.post('/u/password', { schema: { hide: true } }, async (req, reply) => {
    if (!checked(req, reply)) return reply;
    const session = await browserSession(services, req, { touch: false });
    if (!session) return toSignIn(reply);
    const body = req.body;
    const current = single(body, 'current_password') ?? '';
    const next = single(body, 'new_password') ?? '';
    const confirmation = single(body, 'confirm_password') ?? '';
    const box = many(body, 'log_out_others');
    const logOutOthers = box.length === 0 || box.includes('yes');
    const again = (problem: string, fields: PasswordFormState['fields'], status: number) =>
      showCenter(req, reply, session, { password: { problem, fields, logOutOthers }, status });

    if (current === '' || next === '' || confirmation === '') {
      const missing = (
        [
          ['current', current],
          ['new', next],
          ['confirm', confirmation],
        ] as const
      )
        .filter(([, value]) => value === '')
        .map(([field]) => field);
      return again('Enter your current password, and your new password twice.', missing, 400);
    }
    if (next !== confirmation) return again('The new passwords do not match.', ['new', 'confirm'], 400);
    if (current.length > MAX_PASSWORD) return again('The current password is incorrect.', ['current'], 401);

    const result = await services.users.changePassword(principalOf(session), {
      currentPassword: current,
      newPassword: next,
      keepOtherSessions: !logOutOthers,
      ip: req.ip,
    });
    if (result.ok) {
      return redirectTo(reply, `/u?notice=${logOutOthers ? 'password-changed' : 'password-changed-kept'}`);
    }
    switch (result.reason) {
      case 'not_found':
        return toSignIn(reply);
      case 'invalid_password':
        return again(`The new password ${result.problem}.`, ['new', 'confirm'], 400);
      case 'wrong_password':
        return again('The current password is incorrect.', ['current'], 401);
      case 'throttled': {
        countThrottled(services.metrics, req);
        const now = services.clock.now();
        reply.header('retry-after', String(Math.max(1, Math.ceil((result.retryAt - now) / 1000))));
        return again(
          `Too many wrong passwords. For your security, try again ${retryIn(result.retryAt, now)} (at ${formatTime(result.retryAt, readerTimeZone(req))}).`,
          ['current'],
          429,
        );
      }
    }
  });

  // The time zone the pages' times are written in: kept in this browser (time-zone.ts).
  app.post('/u/time-zone', { schema: { hide: true } }, async (req, reply) => {
    if (!checked(req, reply)) return reply;
    const session = await browserSession(services, req, { touch: false });
    if (!session) return toSignIn(reply);
    const timeZone = timeZoneOf(single(req.body, TIME_ZONE_FIELD));
    // The form offers only zones that exist; anything else was not sent by it.
    if (!timeZone) throw errors.invalid('That is not a time zone Signoff knows: choose one from the list.');
    rememberTimeZone(reply, timeZone, ctx.cookie);
    return redirectTo(reply, '/u?notice=time-zone-saved');
  });

  // Log out (avatar menu): this browser's session. Without a live session there is nothing to
  // end, and the answer is the same: signed out.
  app.post('/u/logout', { schema: { hide: true } }, async (req, reply) => {
    if (!checked(req, reply)) return reply;
    const session = await browserSession(services, req, { touch: false });
    if (session) await services.logout.logout(principalOf(session), 'local');
    expireCookies(req, reply);
    return redirectTo(reply, SIGNED_OUT_PATH);
  });

  // Log out other devices, End session: destructive, so the first post changes nothing and
  // answers a confirmation that names the devices and apps (issue 11); only its Confirm acts.
  app.post('/u/sessions/end-others', { schema: { hide: true } }, async (req, reply) => {
    if (!checked(req, reply)) return reply;
    const session = await browserSession(services, req, { touch: false });
    if (!session) return toSignIn(reply);
    if (!confirmed(req.body)) {
      const { user, sessions, appNames } = await ownSessions(session);
      if (!user) return toSignIn(reply);
      const others = sessions.filter((s) => s.id !== session.id);
      if (others.length === 0) return redirectTo(reply, '/u?notice=others-ended');
      return sendPage(
        reply,
        personalConfirmPage(
          { user, csrf: csrf.token(req, reply) },
          {
            title: 'Log out your other devices?',
            consequence: `${others.length === 1 ? 'One other device is' : `${others.length} other devices are`} signed out of every app at once. This device stays signed in.`,
            details: sessionList(others, appNames, readerTimeZone(req)),
            action: '/u/sessions/end-others',
            cancel: '/u#sessions-title',
            confirmLabel: 'Log out other devices',
          },
        ),
      );
    }
    await services.logout.logout(principalOf(session), 'others');
    return redirectTo(reply, '/u?notice=others-ended');
  });

  app.post<{ Params: { sid: string } }>(
    '/u/sessions/:sid/end',
    { schema: { hide: true } },
    async (req, reply) => {
      if (!checked(req, reply)) return reply;
      const session = await browserSession(services, req, { touch: false });
      if (!session) return toSignIn(reply);
      if (!confirmed(req.body)) {
        const { user, sessions, appNames } = await ownSessions(session);
        if (!user) return toSignIn(reply);
        // Only the user's own live sessions are found here: another user's id reads as ended.
        const target = sessions.find((s) => s.id === req.params.sid);
        if (!target) return redirectTo(reply, '/u?notice=already-ended');
        const current = target.id === session.id;
        return sendPage(
          reply,
          personalConfirmPage(
            { user, csrf: csrf.token(req, reply) },
            {
              title: `End the session on ${deviceName(target)}?`,
              consequence: current
                ? 'This device is signed out of every app, and you are signed out here.'
                : 'That device is signed out of every app at once. This device stays signed in.',
              details: sessionList([target], appNames, readerTimeZone(req)),
              action: `/u/sessions/${encodeURIComponent(target.id)}/end`,
              cancel: '/u#sessions-title',
              confirmLabel: 'End session',
            },
          ),
        );
      }
      const ended = await services.logout.endOwnSession(principalOf(session), req.params.sid);
      if (req.params.sid === session.id) {
        expireCookies(req, reply);
        return redirectTo(reply, SIGNED_OUT_PATH);
      }
      return redirectTo(reply, `/u?notice=${ended ? 'session-ended' : 'already-ended'}`);
    },
  );

  app.get(SIGNED_OUT_PATH, { schema: { hide: true } }, async (_req, reply) =>
    sendPage(reply, signedOutPage()),
  );
}
