// Every cookie Signoff sets in a browser, expired together when the browser logs out: the
// session cookie, the CSRF cookie of the hosted pages, and oidc-provider's own (each pool's
// issuer names its cookies apart: `_session`, `_session_{poolId}`, and their `.sig`).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CookieSettings, clearSessionCookie } from '../session-cookie.ts';
import type { Csrf } from './csrf.ts';

const PROVIDER_COOKIE = /^_session(_[A-Za-z0-9_-]+)?(\.legacy)?(\.sig)?$/;

export function expireBrowserCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: CookieSettings,
  csrf: Csrf,
) {
  clearSessionCookie(reply, settings);
  csrf.clear(reply);
  const names = new Set(['_session', '_session.sig', '_session.legacy', '_session.legacy.sig']);
  for (const name of Object.keys(request.cookies ?? {})) if (PROVIDER_COOKIE.test(name)) names.add(name);
  for (const name of names) reply.clearCookie(name, { path: '/' });
}
