// The administrator console in a real browser (Debian's Chromium through playwright-core)
// against a real listening Signoff: sign in, open an app's Login status, Force logout one user
// and then a checked set, each through its confirmation (Confirm ends, Cancel ends nothing).
// Controls are found by role and accessible name (CONTRACT §6). console-layout.test.ts has the
// dashboard's charts and the narrow screen.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumExecutable, isolatedPage, launchChromium } from './helpers/browser.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

describe.skipIf(!chromiumExecutable)('console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
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
    ({ context, page, problems: consoleProblems } = await isolatedPage(browser, [server.url]));
  });
  afterEach(async () => {
    await context.close();
    expect(consoleProblems).toEqual([]);
  });

  async function signIn() {
    await page.goto(`${server.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByLabel('Password').fill('admin-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/pools\/[^/]+$/);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  }

  /** A new app with `names.length` users signed in to it through the API login. */
  async function appWithUsers(appName: string, names: string[]) {
    const { app } = await createAppAndUser(server, { name: appName });
    const users = [];
    for (const name of names) {
      const { user } = await createAppAndUser(server, {}, { username: `${name}-${app.id.slice(0, 6)}` });
      const { token } = await login(server, app.id, user.username, user.password);
      users.push({ ...user, token });
    }
    return { app, users };
  }

  async function expectDead(token: string) {
    const res = await getMe(server, token);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(2020);
  }

  async function openLoginStatus(appName: string) {
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Applications' })
      .click();
    await page.getByRole('main').getByRole('link', { name: appName, exact: true }).click();
    await page.getByRole('heading', { name: 'Login status' }).waitFor();
  }

  it('Force logout on a row asks first, naming the user: Cancel ends nothing; Confirm ends their token and removes the row', async () => {
    const { users } = await appWithUsers('Wiki', ['alice', 'bob']);
    const [alice, bob] = users as [(typeof users)[number], (typeof users)[number]];
    await signIn();
    await openLoginStatus('Wiki');
    const table = page.getByRole('table');
    await expect(table.getByRole('row', { name: new RegExp(alice.username) }).count()).resolves.toBe(1);

    // Cancel: back to the app, nothing ended.
    await page.getByRole('button', { name: `Force logout ${alice.username}`, exact: true }).click();
    await page.getByRole('heading', { name: `Force logout ${alice.username} from Wiki?` }).waitFor();
    await expect(page.getByRole('main').textContent()).resolves.toContain('This will end 1 session of');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Login status' }).waitFor();
    expect((await getMe(server, alice.token)).statusCode).toBe(200);
    await expect(page.getByRole('row', { name: new RegExp(alice.username) }).count()).resolves.toBe(1);

    // Confirm: the confirmation names who, and only then the session ends.
    await page.getByRole('button', { name: `Force logout ${alice.username}`, exact: true }).click();
    const who = page.getByRole('list').filter({ hasText: alice.username });
    await expect(who.count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: 'Forced logout done' }).waitFor();
    await expectDead(alice.token);
    expect((await getMe(server, bob.token)).statusCode).toBe(200);
    await expect(page.getByRole('row', { name: new RegExp(alice.username) }).count()).resolves.toBe(0);
    await expect(page.getByRole('row', { name: new RegExp(bob.username) }).count()).resolves.toBe(1);
    // The visible text stays "Force logout"; the label names the user.
    await expect(
      page.getByRole('button', { name: `Force logout ${bob.username}`, exact: true }).textContent(),
    ).resolves.toBe('Force logout');
  });

  it('Force logout selected ends the checked users only', async () => {
    const { users } = await appWithUsers('Billing', ['carol', 'dave', 'erin']);
    const [carol, dave, erin] = users as [
      (typeof users)[number],
      (typeof users)[number],
      (typeof users)[number],
    ];
    await signIn();
    await openLoginStatus('Billing');
    await page.getByRole('checkbox', { name: `Select ${carol.username}` }).check();
    await page.getByRole('checkbox', { name: `Select ${erin.username}` }).check();
    await page.getByRole('button', { name: 'Force logout selected' }).click();
    await page.getByRole('heading', { name: 'Force logout 2 users from Billing?' }).waitFor();
    expect((await getMe(server, carol.token)).statusCode).toBe(200);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: '2 sessions ended' }).waitFor();
    await expectDead(carol.token);
    await expectDead(erin.token);
    expect((await getMe(server, dave.token)).statusCode).toBe(200);
    const rows = page.getByRole('table').getByRole('row');
    // The header row and dave's.
    await expect(rows.count()).resolves.toBe(2);
    await expect(page.getByRole('row', { name: new RegExp(dave.username) }).count()).resolves.toBe(1);
  });

  it('Sign out returns to the sign-in page and the console is closed again', async () => {
    await signIn();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/login$/);
    await page.goto(`${server.url}/console/pools/${server.pool.id}/apps`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
  });
});
