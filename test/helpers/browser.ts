// Debian's Chromium driven by playwright-core, for page tests. The flags keep it from
// reaching for the network (this machine's is closed) and let it run as root headless.
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, beforeEach, expect } from 'vitest';
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

/**
 * A fresh isolated page for each test of a suite (see isolatedPage), with a 10 s default
 * timeout so that a failure names its cause before the test's own timeout does; after each
 * test, console errors and warnings (a CSP or CORS refusal, a library's complaint) fail it,
 * even one that failed half-way.
 */
export function useIsolatedPages(browser: () => Browser, origins: () => string[]) {
  const current = {} as { context: BrowserContext; page: Page; problems: string[] };
  beforeEach(async () => {
    Object.assign(current, await isolatedPage(browser(), origins()));
    current.context.setDefaultTimeout(10_000);
  });
  afterEach(async () => {
    await current.context.close();
    expect(current.problems).toEqual([]);
  });
  return current;
}
