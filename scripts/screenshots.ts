// Screenshots of the hosted pages for docs/pages.md: starts a real Signoff on a loopback port
// (SQLite in a temp dir), signs in with Chromium and writes one PNG per page to
// docs/screenshots/. Run: npm run docs:screenshots (Chromium at /usr/bin/chromium or
// SIGNOFF_TEST_CHROMIUM). `-- --width=390 --out=/tmp/shots` checks the narrow layout.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.ts';
import { startTestServer, type TestServer } from '../test/helpers/server.ts';

const option = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
const OUT = option('out') ?? path.join(import.meta.dirname, '..', 'docs', 'screenshots');
const WIDTH = Number(option('width') ?? 1280);

const DEVICES = [
  {
    ip: '203.0.113.24',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  },
  {
    ip: '198.51.100.7',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  },
];

async function main() {
  mkdirSync(OUT, { recursive: true });
  const server = await startTestServer({ listen: true });
  const headers = await server.adminHeaders();
  const createApp = async (name: string) =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/api/v2/applications',
        headers,
        payload: { name, logoutRedirectUris: ['https://wiki.example.com/signed-out'] },
      })
    ).json().data as { id: string };
  const wiki = await createApp('Team Wiki');
  const billing = await createApp('Billing');
  const password = 'correct horse battery';
  await server.app.inject({
    method: 'POST',
    url: '/api/v2/users',
    headers,
    payload: { username: 'alice', email: 'alice@example.com', name: 'Alice Liddell', password },
  });
  // Two other devices, signed in to apps through the API.
  for (const [i, device] of DEVICES.entries()) {
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      remoteAddress: device.ip,
      headers: { 'x-authing-app-id': i === 0 ? wiki.id : billing.id, 'user-agent': device.userAgent },
      payload: { account: 'alice', password },
    });
  }

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 800 } });
    const shot = async (name: string, target: Page = page) => {
      await target.screenshot({ path: path.join(OUT, `${name}.png`) });
      console.log(path.join(OUT, `${name}.png`));
    };

    await page.goto(`${server.url}/login`);
    await shot('login');

    await page.getByLabel('Username or email').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('[role=alert]');
    await shot('login-error');

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/u$/);
    await page.locator('summary').filter({ hasText: 'Account menu for alice' }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();
    await shot('personal-center');

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL(/\/signed-out$/);
    await shot('signed-out');

    await page.goto(`${server.url}/login/profile/logout`);
    await shot('authing-logout');

    await page.goto(`${server.url}/login/profile/logout?redirect_uri=https://evil.example/bye`);
    await shot('authing-logout-refused');

    await page.goto(`${server.url}/v1/logout?clientId=${wiki.id}`);
    await shot('wix-logout');

    // OIDC end session without an ID token hint: the confirmation RP-Initiated Logout asks for.
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username or email').fill('alice');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/u$/);
    await page.goto(`${server.url}/oidc/session/end?client_id=${wiki.id}`);
    await shot('oidc-end-session-confirm');

    await consoleShots(server, browser, { wiki, billing, password, shot });
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The administrator console (docs/console.md): more users signed in to the wiki, a kick, a job, a failed delivery. */
async function consoleShots(
  server: TestServer,
  browser: Browser,
  ctx: {
    wiki: { id: string };
    billing: { id: string };
    password: string;
    shot: (name: string, target?: Page) => Promise<void>;
  },
) {
  const headers = await server.adminHeaders();
  const people = [
    { username: 'bob', name: 'Bob Cratchit', ip: '192.0.2.40', ua: DEVICES[1]!.userAgent },
    { username: 'carol', name: 'Carol Danvers', ip: '198.51.100.23', ua: DEVICES[0]!.userAgent },
    {
      username: 'dave',
      name: null,
      ip: '203.0.113.77',
      ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    },
  ];
  for (const p of people) {
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers,
      payload: {
        username: p.username,
        email: `${p.username}@example.com`,
        ...(p.name ? { name: p.name } : {}),
        password: ctx.password,
      },
    });
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      remoteAddress: p.ip,
      headers: { 'x-authing-app-id': ctx.wiki.id, 'user-agent': p.ua },
      payload: { account: p.username, password: ctx.password },
    });
  }
  // Billing gets a back-channel URI nobody answers, and a kick to give it a delivery that failed.
  await server.app.inject({
    method: 'PATCH',
    url: `/api/v2/applications/${ctx.billing.id}`,
    headers,
    payload: { backchannelLogoutUri: 'https://billing.example.com/backchannel-logout' },
  });
  const alice = await server.store.users.findByAccount(server.pool.id, 'alice');
  await server.app.inject({
    method: 'POST',
    url: '/api/v2/login/account',
    remoteAddress: '203.0.113.24',
    headers: { 'x-authing-app-id': ctx.billing.id, 'user-agent': DEVICES[1]!.userAgent },
    payload: { account: 'alice', password: ctx.password },
  });
  await server.services.logout.kickFromApp(server.pool.id, ctx.billing.id, [alice!.id], {
    type: 'admin',
    id: 'admin@example.com',
  });
  const [delivery] = (await server.services.logoutDeliveries.list(server.pool.id, ctx.billing.id, null, 0, 1))
    .list;
  if (delivery) {
    await server.store.deliveries.markFailed(
      server.pool.id,
      delivery.id,
      8,
      'getaddrinfo ENOTFOUND billing.example.com',
    );
  }

  const page = await browser.newPage({ viewport: { width: Math.max(WIDTH, 1280), height: 900 } });
  try {
    await page.goto(`${server.url}/console`);
    await ctx.shot('console-sign-in', page);
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByLabel('Password').fill('admin-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/apps$/);
    await ctx.shot('console-apps', page);

    await page.getByRole('link', { name: 'Team Wiki' }).click();
    await page.getByRole('button', { name: 'Force logout bob', exact: true }).click();
    await page.getByRole('status').waitFor();
    await page.getByRole('checkbox', { name: 'Select carol' }).check();
    await page.getByRole('heading', { name: 'Login status' }).scrollIntoViewIfNeeded();
    await ctx.shot('console-login-status', page);

    // A running job is a moment: the screenshot shows the finished one, as its page does after.
    await page.getByRole('button', { name: 'Log out everyone from this app' }).click();
    await page.waitForURL(/\/bulk-logouts\//);
    await server.services.bulkLogouts.settle();
    await page.reload();
    await ctx.shot('console-bulk-logout', page);

    await page.goto(`${server.url}/console/pools/${server.pool.id}/apps/${ctx.billing.id}/deliveries`);
    await ctx.shot('console-deliveries', page);

    await page.goto(`${server.url}/console/pools/${server.pool.id}/users?q=alice`);
    await page.getByRole('link', { name: 'alice' }).click();
    await ctx.shot('console-user', page);

    await page.goto(`${server.url}/console/pools/${server.pool.id}/audit`);
    await ctx.shot('console-audit', page);
  } finally {
    await page.close();
  }
}

await main();
