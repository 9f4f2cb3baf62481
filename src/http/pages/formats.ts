// How the pages write times, ages and devices: shared by the personal center, the login page
// and the console, so that the same moment reads the same everywhere.
import type { SessionWithApps } from '../../domain/model.ts';

const absolute = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "3 May 2026, 14:05 UTC": the server does not know the reader's time zone, so it says which it uses. */
export const formatTime = (ms: number) => `${absolute.format(ms)} UTC`;

/** "Just now", "12 minutes ago", "3 days ago"; older than a month: the date. */
export function formatAgo(ms: number, now: number): string {
  const minutes = Math.floor((now - ms) / 60_000);
  if (minutes < 1) return 'Just now';
  if (minutes < 60) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  const days = Math.floor(hours / 24);
  if (days <= 30) return days === 1 ? 'Yesterday' : `${days} days ago`;
  return formatTime(ms);
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
