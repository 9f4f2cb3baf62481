// The SSO session cookie: HttpOnly, SameSite=Lax (sent on top-level navigations back from an
// app, not on cross-site subrequests), Secure whenever the public URL is https.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'signoff_session';
/** The console's own sign-in (an administrator's, never an end user's). */
export const CONSOLE_COOKIE = 'signoff_console';

export interface CookieSettings {
  secure: boolean;
  /** Seconds. */
  maxAge: number;
}

export function readSessionCookie(request: FastifyRequest): string | null {
  const value = request.cookies[SESSION_COOKIE];
  return value && value.length <= 128 ? value : null;
}

export function setSessionCookie(reply: FastifyReply, secret: string, settings: CookieSettings) {
  reply.setCookie(SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secure,
    path: '/',
    maxAge: settings.maxAge,
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings) {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: settings.secure, path: '/' });
}
