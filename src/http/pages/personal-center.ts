// The personal center (CONTRACT §6): GET /u, and the three ways a user ends sessions from it —
// Log out (this session), End session (one other device), Log out other devices. Each is a
// CSRF-checked POST into the logout service, then a redirect (post/redirect/get).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.ts';
import { expireBrowserCookies } from './browser-cookies.ts';
import { browserSession, principalOf } from './browser-session.ts';
import { CSRF_FIELD, type Csrf } from './csrf.ts';
import { loginUrl } from './login.ts';
import { formExpiredPage, signedOutPage } from './message-views.ts';
import type { PageApp } from './page-app.ts';
import { redirectTo, sendPage } from './page-reply.ts';
import { single } from './params.ts';
import { personalCenterPage } from './personal-center-view.ts';

// Notices are chosen by key, never taken from the URL as text.
const NOTICES: Record<string, string> = {
  'session-ended': 'Session ended. That device is now signed out of every app.',
  'others-ended': 'Your other devices are signed out.',
  'already-ended': 'That session had already ended.',
};

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

  app.get('/u', { schema: { hide: true } }, async (req, reply) => {
    const session = await browserSession(services, req);
    if (!session) return redirectTo(reply, loginUrl('/u'), 302);
    const user = await services.users.get(session.poolId, session.userId);
    if (!user) return redirectTo(reply, loginUrl('/u'), 302);
    const [sessions, apps] = await Promise.all([
      services.sessions.listOfUser(session.poolId, session.userId),
      services.apps.list(session.poolId),
    ]);
    return sendPage(
      reply,
      personalCenterPage({
        account: { user, csrf: csrf.token(req, reply) },
        currentSessionId: session.id,
        sessions,
        appNames: new Map(apps.map((a) => [a.id, a.name])),
        now: services.clock.now(),
        notice: NOTICES[single(req.query, 'notice') ?? ''] ?? null,
      }),
    );
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

  app.post('/u/sessions/end-others', { schema: { hide: true } }, async (req, reply) => {
    if (!checked(req, reply)) return reply;
    const session = await browserSession(services, req, { touch: false });
    if (!session) return toSignIn(reply);
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
