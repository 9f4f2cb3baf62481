// How the pages write times, ages and devices: shared by the personal center, the login page
// and the console, so that the same moment reads the same everywhere — in the reader's time
// zone when they chose one, labelled with it.
import type { SessionWithApps } from '../../domain/model.ts';

export const DEFAULT_TIME_ZONE = 'UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The formatter of a time zone, made once: building one costs far more than using it. */
function absolute(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * The IANA time zone a reader asked for (a form field, a cookie), in its canonical spelling
 * (`utc` → `UTC`), or null when it names none. Only the characters zone
 * names use, so nothing odd reaches Intl or a page.
 */
export function timeZoneOf(value: string | null | undefined): string | null {
  if (!value || value.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(value)) return null;
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Every time zone a reader may choose: UTC first, then the IANA zones by name. */
export const TIME_ZONES: readonly string[] = [
  DEFAULT_TIME_ZONE,
  ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== DEFAULT_TIME_ZONE),
];

/**
 * "3 May 2026, 14:05 UTC", "3 May 2026, 16:05 Europe/Paris": in the reader's time zone when
 * they chose one (else UTC), and always saying which — the server cannot know the reader's
 * zone unless told. `timeZone` must be one timeZoneOf accepted.
 */
export const formatTime = (ms: number, timeZone: string = DEFAULT_TIME_ZONE) =>
  `${absolute(timeZone).format(ms)} ${timeZone}`;

/** "Just now", "12 minutes ago", "3 days ago"; older than a month: the date (in `timeZone`). */
export function formatAgo(ms: number, now: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  const minutes = Math.floor((now - ms) / 60_000);
  if (minutes < 1) return 'Just now';
  if (minutes < 60) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  const days = Math.floor(hours / 24);
  if (days <= 30) return days === 1 ? 'Yesterday' : `${days} days ago`;
  return formatTime(ms, timeZone);
}

export function deviceName(session: SessionWithApps): string {
  const { browser, os } = session.device;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? 'Unknown device';
}

/** "in about a minute", "in 14 minutes". */
export function retryIn(retryAt: number, now: number): string {
  const minutes = Math.ceil(Math.max(0, retryAt - now) / 60_000);
  return minutes <= 1 ? 'in about a minute' : `in ${minutes} minutes`;
}
