// Every cookie Signoff sets in a browser, expired together when the browser logs out: the
// session cookie, the CSRF cookie of the hosted pages, and oidc-provider's own.
import type { FastifyReply } from 'fastify';
import { type CookieSettings, clearSessionCookie } from '../session-cookie.ts';
import type { Csrf } from './csrf.ts';

// oidc-provider's own cookies (the names it gives them under src/oidc/provider.ts's settings).
const PROVIDER_COOKIES = ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig'];

export function expireBrowserCookies(reply: FastifyReply, settings: CookieSettings, csrf: Csrf) {
  clearSessionCookie(reply, settings);
  csrf.clear(reply);
  for (const name of PROVIDER_COOKIES) reply.clearCookie(name, { path: '/' });
}
