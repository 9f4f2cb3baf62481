// The personal center in a real browser (Debian's Chromium through playwright-core) against a
// real listening Signoff: sign in through /login, end another device, log out other devices,
// and log out from the avatar menu. Controls are found by role and accessible name, as a
// person using a screen reader would find them (CONTRACT §6).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumExecutable, isolatedPage, launchChromium } from './helpers/browser.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

const executablePath = chromiumExecutable;

describe.skipIf(!executablePath)('personal center in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let appId: string;
  let user: { id: string; username: string; email: string; password: string };
  /** Console messages: a CSP violation or a script error shows up here. */
  let consoleProblems: string[];

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    // A user of its own per test: no test sees another's sessions.
    ({
      app: { id: appId },
      user,
    } = await createAppAndUser(server, {}, { name: 'Alice Liddell' }));
    ({ context, page, problems: consoleProblems } = await isolatedPage(browser, [server.url]));
  });
  afterEach(async () => {
    await context.close();
    expect(consoleProblems).toEqual([]);
  });

  async function signInThroughPage() {
    await page.goto(`${server.url}/u`);
    // No session: /u sends the browser to sign in, and back to /u afterwards.
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('return_to')).toBe('/u');
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/u`);
  }

  /** The browser's session cookie, as a Cookie header for API calls. */
  async function browserCookie() {
    const cookie = (await context.cookies()).find((c) => c.name === 'signoff_session');
    return cookie ? `signoff_session=${cookie.value}` : null;
  }

  const accountMenu = () => page.locator('summary').filter({ hasText: `Account menu for ${user.username}` });
  const otherDevice = () => page.getByRole('listitem').filter({ hasNotText: 'This device' });

  it('signs in through /login and lists this device with the profile', async () => {
    await signInThroughPage();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Alice Liddell');
    await expect(page.getByRole('main').getByText(user.email).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('listitem').filter({ hasText: 'This device' }).count()).resolves.toBe(1);
    // The stylesheet loaded (from Signoff itself): the header is laid out as a bar.
    const display = await page.locator('.site-header-inner').evaluate((el) => getComputedStyle(el).display);
    expect(display).toBe('flex');
  });

  it('End session on another device: that device’s token is refused at once', async () => {
    await signInThroughPage();
    const other = await login(server, appId, user.username, user.password);
    expect((await getMe(server, other.token)).statusCode).toBe(200);

    await page.reload();
    await expect(otherDevice().count()).resolves.toBe(1);
    await expect(otherDevice().getByText('Test app').count()).resolves.toBe(1);
    await otherDevice().getByRole('button', { name: 'End session' }).click();
    // The server asks first; nothing has ended yet.
    await page.waitForURL(/\/u\/sessions\/[^/]+\/end$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(
      /^End the session on /,
    );
    await expect(page.getByText('apps: Test app').count()).resolves.toBe(1);
    expect((await getMe(server, other.token)).statusCode).toBe(200);
    await page.getByRole('button', { name: 'End session' }).click();
    await page.waitForURL(/notice=session-ended/);

    const me = await getMe(server, other.token);
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe(2020);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Session ended');
    await expect(otherDevice().count()).resolves.toBe(0);
    // This browser is still signed in.
    const cookie = await browserCookie();
    const mine = await server.app.inject({ url: '/api/v2/users/me', headers: { cookie: cookie! } });
    expect(mine.statusCode).toBe(200);
  });

  it('Log out other devices: their tokens die, this browser and its app token live', async () => {
    await signInThroughPage();
    // An app joins this browser's session by SSO (same cookie): its token belongs to this device.
    const here = await login(server, appId, user.username, user.password, (await browserCookie())!);
    const phone = await login(server, appId, user.username, user.password);
    const laptop = await login(server, appId, user.username, user.password);

    await page.reload();
    await expect(otherDevice().count()).resolves.toBe(2);
    await page.getByRole('button', { name: 'Log out other devices' }).click();
    await page.waitForURL(/\/u\/sessions\/end-others$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Log out your other devices?',
    );
    await expect(page.getByRole('listitem').count()).resolves.toBe(2);
    expect((await getMe(server, phone.token)).statusCode).toBe(200);
    await page.getByRole('button', { name: 'Log out other devices' }).click();
    await page.waitForURL(/notice=others-ended/);

    for (const token of [phone.token, laptop.token]) {
      const me = await getMe(server, token);
      expect(me.statusCode).toBe(401);
      expect(me.json().code).toBe(2020);
    }
    expect((await getMe(server, here.token)).statusCode).toBe(200);
    await expect(otherDevice().count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Log out other devices' }).count()).resolves.toBe(0);
  });

  it('avatar → Log out: cookie gone, a signed-out page with a way back, /u asks to sign in again', async () => {
    await signInThroughPage();
    const here = await login(server, appId, user.username, user.password, (await browserCookie())!);

    // The menu is closed until the avatar is used; its Log out is not reachable before.
    await expect(page.getByRole('button', { name: 'Log out', exact: true }).count()).resolves.toBe(0);
    await accountMenu().click();
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL(`${server.url}/signed-out`);

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You are signed out');
    expect(await browserCookie()).toBeNull();
    expect((await context.cookies()).map((c) => c.name)).not.toContain('signoff_csrf');
    const me = await getMe(server, here.token);
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe(2020);

    await page.getByRole('link', { name: 'Sign in again' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${server.url}/u`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('the account menu works from the keyboard', async () => {
    await signInThroughPage();
    await accountMenu().focus();
    await page.keyboard.press('Enter');
    const logOut = page.getByRole('button', { name: 'Log out', exact: true });
    await expect(logOut.isVisible()).resolves.toBe(true);
    await logOut.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/signed-out`);
    expect(await browserCookie()).toBeNull();
  });
});
