// Debian's Chromium driven by playwright-core, for page tests. The flags keep it from
// reaching for the network (this machine's is closed) and let it run as root headless.
import { type Browser, chromium } from 'playwright-core';
import { chromiumPath } from './environment.ts';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium executable, or undefined (with a skip message) when absent outside CI. */
export const chromiumExecutable = chromiumPath();

export function launchChromium(): Promise<Browser> {
  if (!chromiumExecutable) throw new Error('no Chromium');
  return chromium.launch({ executablePath: chromiumExecutable, args: CHROMIUM_ARGS });
}
