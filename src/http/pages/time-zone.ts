// The reader's time zone, for the times the pages write (formats.ts). The server cannot see it
// without a script, so the reader picks it once (the Time zone form on /u) and the browser
// keeps it in a cookie; until then, and for any value that names no zone, UTC — and every time
// says which zone it is in. A preference, not a credential: it outlives signing out.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSettings } from '../session-cookie.ts';
import { DEFAULT_TIME_ZONE, timeZoneOf } from './formats.ts';

export const TIME_ZONE_COOKIE = 'signoff_tz';
export const TIME_ZONE_FIELD = 'tz';

const ONE_YEAR_SECONDS = 365 * 86400;

/** The zone this browser chose (its cookie), else UTC. */
export function readerTimeZone(request: FastifyRequest): string {
  return timeZoneOf(request.cookies[TIME_ZONE_COOKIE]) ?? DEFAULT_TIME_ZONE;
}

/** Remembers a zone (one timeZoneOf accepted) in this browser. */
export function rememberTimeZone(reply: FastifyReply, timeZone: string, settings: CookieSettings) {
  reply.setCookie(TIME_ZONE_COOKIE, timeZone, {
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secure,
    path: '/',
    maxAge: ONE_YEAR_SECONDS,
  });
}
