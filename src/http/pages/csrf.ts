// CSRF protection for every form on the hosted pages: a random per-browser cookie
// (signoff_csrf: HttpOnly, SameSite=Lax, Secure on https) and a hidden field holding an HMAC
// of it and of the browser's sessions (its Signoff session cookie and console cookie, when it
// has them). Another site can make a browser post a form here, but it can neither read the
// cookies nor compute the HMAC. A pair of cookie and token obtained in another browser and
// planted into this one (a sibling domain can set cookies) is bound to that other browser's
// sessions, so it fails here (issue 10); signing in or out changes the binding, and a form
// rendered before is refused as expired.
//
// The MAC key is derived (HKDF, with its own label) from the default pool's signing keys:
// every node already shares them through the store and reloads them on rotation, so a form
// rendered by one node verifies on any other without a new setting to keep in step. A
// rotation keeps forms valid: every key the ring still holds is tried.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../domain/services.ts';
import type { LoadedKey } from '../../domain/tokens/key-ring.ts';
import { CONSOLE_COOKIE, type CookieSettings, SESSION_COOKIE } from '../session-cookie.ts';

export const CSRF_COOKIE = 'signoff_csrf';
export const CSRF_FIELD = 'csrf';

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export interface Csrf {
  /** The token for this browser's forms; sets the cookie when the browser has none. */
  token(request: FastifyRequest, reply: FastifyReply): string;
  /** Whether a form post carries the token that matches its cookie. */
  verify(request: FastifyRequest, submitted: string | null): boolean;
  /** Expires the cookie (logout). */
  clear(reply: FastifyReply): void;
}

export function createCsrf(
  services: Pick<Services, 'keys' | 'defaultPoolId'>,
  settings: CookieSettings,
): Csrf {
  const derived = new WeakMap<LoadedKey, Buffer>();

  function macKey(key: LoadedKey): Buffer {
    let secret = derived.get(key);
    if (!secret) {
      const { d } = key.privateJwk;
      if (!d) throw new Error(`signing key ${key.kid} has no private part`);
      secret = Buffer.from(
        hkdfSync('sha256', Buffer.from(d, 'base64url'), 'signoff', 'signoff csrf token v1', 32),
      );
      derived.set(key, secret);
    }
    return secret;
  }

  /** The key that makes tokens first, then every other key that still verifies them. */
  function keysOfDefaultPool(): LoadedKey[] {
    const poolId = services.defaultPoolId();
    if (!poolId) return [];
    const active = services.keys.signingKey(poolId);
    const others = services.keys.all(poolId).filter((k) => k !== active);
    return active ? [active, ...others] : others;
  }

  /** What a token is bound to: the CSRF cookie and the sessions the browser holds. */
  const bound = (request: FastifyRequest, cookie: string) =>
    [cookie, request.cookies[SESSION_COOKIE] ?? '', request.cookies[CONSOLE_COOKIE] ?? ''].join('\u0000');

  const mac = (key: LoadedKey, input: string) => createHmac('sha256', macKey(key)).update(input).digest();

  const cookieOf = (request: FastifyRequest) => {
    const value = request.cookies[CSRF_COOKIE];
    return value && COOKIE_VALUE.test(value) ? value : null;
  };

  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: settings.secure, path: '/' };

  return {
    token(request, reply) {
      let cookie = cookieOf(request);
      if (!cookie) {
        cookie = randomBytes(32).toString('base64url');
        // A browser-session cookie: it only has to outlive the form it protects.
        reply.setCookie(CSRF_COOKIE, cookie, cookieOptions);
        // Later calls in the same request must reuse this value.
        request.cookies[CSRF_COOKIE] = cookie;
      }
      const [key] = keysOfDefaultPool();
      if (!key) throw new Error('no signing key for the default pool: CSRF tokens cannot be made');
      return mac(key, bound(request, cookie)).toString('base64url');
    },

    verify(request, submitted) {
      const cookie = cookieOf(request);
      if (!cookie || !submitted || submitted.length > 64) return false;
      const given = Buffer.from(submitted, 'base64url');
      let ok = false;
      for (const key of keysOfDefaultPool()) {
        const expected = mac(key, bound(request, cookie));
        // Constant time per key; every key is tried, so the time says nothing about which matched.
        if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
      }
      return ok;
    },

    clear(reply) {
      reply.clearCookie(CSRF_COOKIE, cookieOptions);
    },
  };
}
