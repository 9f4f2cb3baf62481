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

/**
 * A fresh context and page that reach only the given origins (the network is closed, and a
 * page must need nothing else), collecting console errors and warnings a test expects none of.
 */
export async function isolatedPage(browser: Browser, origins: string[]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  await context.route(
    (url) => !origins.some((origin) => url.href.startsWith(origin)),
    (route) => route.abort(),
  );
  return { context, page, problems };
}
