// CSRF protection for every form on the hosted pages: a random per-browser cookie
// (signoff_csrf: HttpOnly, SameSite=Lax, Secure on https) and a hidden field holding an HMAC
// of it. Another site can make a browser post a form here, but it can neither read the cookie
// nor compute the HMAC, and a cookie planted from a sibling domain comes without a valid MAC.
//
// The MAC key is derived (HKDF, with its own label) from the default pool's signing keys:
// every node already shares them through the store and reloads them on rotation, so a form
// rendered by one node verifies on any other without a new setting to keep in step. A
// rotation keeps forms valid: every key the ring still holds is tried.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../domain/services.ts';
import type { LoadedKey } from '../../domain/tokens/key-ring.ts';
import type { CookieSettings } from '../session-cookie.ts';

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

  const mac = (key: LoadedKey, cookie: string) => createHmac('sha256', macKey(key)).update(cookie).digest();

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
      return mac(key, cookie).toString('base64url');
    },

    verify(request, submitted) {
      const cookie = cookieOf(request);
      if (!cookie || !submitted || submitted.length > 64) return false;
      const given = Buffer.from(submitted, 'base64url');
      let ok = false;
      for (const key of keysOfDefaultPool()) {
        const expected = mac(key, cookie);
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
