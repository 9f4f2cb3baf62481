// Screenshots of the hosted pages for docs/pages.md, and of the console (at 1280 and 375
// pixels wide, console-screenshots.ts) for docs/console.md: starts a real Signoff on a loopback
// port (SQLite in a temp dir), signs in with Chromium and writes one PNG per page to
// docs/screenshots/. Run: npm run docs:screenshots (Chromium at /usr/bin/chromium or
// SIGNOFF_TEST_CHROMIUM). `-- --width=390 --out=/tmp/shots` checks the hosted pages narrow.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../test/helpers/browser.ts';
import { startTestServer } from '../test/helpers/server.ts';
import { consoleShots } from './console-screenshots.ts';

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

const MAC_SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

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
  const help = await createApp('Help Center');
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
    const shot = async (name: string) => {
      await page.screenshot({ path: path.join(OUT, `${name}.png`) });
      console.log(path.join(OUT, `${name}.png`));
    };

    await page.goto(`${server.url}/`);
    await shot('home');

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

    // The confirmation Log out other devices asks for (Cancel goes back, nothing ended).
    await page.goto(`${server.url}/u`);
    await page.getByRole('button', { name: 'Log out other devices' }).click();
    await page.waitForURL(/\/u\/sessions\/end-others$/);
    await shot('personal-center-confirm');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(/\/u#sessions-title$/);
    await page.locator('summary').filter({ hasText: 'Account menu for alice' }).click();

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL(/\/signed-out$/);
    await shot('signed-out');

    await server.app.inject({
      method: 'PATCH',
      url: '/api/v2/userpools/settings',
      headers,
      payload: { signUpEnabled: true },
    });
    await page.goto(`${server.url}/signup`);
    await shot('sign-up');

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

    await consoleShots(server, browser, {
      out: OUT,
      wiki,
      billing,
      help,
      password,
      userAgents: [...DEVICES.map((d) => d.userAgent), MAC_SAFARI],
    });
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
