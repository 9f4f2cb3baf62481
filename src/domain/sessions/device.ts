import Bowser from 'bowser';
import type { Device } from '../model.ts';

/** A person-readable device from a User-Agent header: what the sessions list shows. */
export function parseDevice(userAgent: string | null): Device {
  if (!userAgent) return { browser: null, os: null, platform: null };
  const ua = Bowser.parse(userAgent.slice(0, 512));
  const browser = ua.browser.name
    ? `${ua.browser.name}${ua.browser.version ? ` ${ua.browser.version.split('.')[0]}` : ''}`
    : null;
  const os = ua.os.name ? `${ua.os.name}${ua.os.versionName ? ` ${ua.os.versionName}` : ''}` : null;
  return { browser, os, platform: ua.platform.type ?? null };
}
