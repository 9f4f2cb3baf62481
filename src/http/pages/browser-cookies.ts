// Every cookie Signoff sets in a browser, expired together when the browser logs out: the
// session cookie, the CSRF cookie of the hosted pages, and oidc-provider's own.
import type { FastifyReply } from 'fastify';
import { PROVIDER_COOKIES } from '../../oidc/routes.ts';
import { type CookieSettings, clearSessionCookie } from '../session-cookie.ts';
import type { Csrf } from './csrf.ts';

export function expireBrowserCookies(reply: FastifyReply, settings: CookieSettings, csrf: Csrf) {
  clearSessionCookie(reply, settings);
  csrf.clear(reply);
  for (const name of PROVIDER_COOKIES) reply.clearCookie(name, { path: '/' });
}
