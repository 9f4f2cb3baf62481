// Signoff's own end-session confirmation (RP-Initiated Logout 1.0 §2, asked for when the app
// sends no id_token_hint), clicked through in Chromium. The confirmation is a form posted to
// the issuer, answered by a 303 to the app's registered post_logout_redirect_uri on another
// origin; browsers hold that whole redirect chain to the page's CSP form-action, so a policy of
// 'self' alone left the browser on /session/end/confirm after Sign out. For the default pool's
// issuer and another pool's.
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, launchChromium, useIsolatedPages } from './helpers/browser.ts';
import { accepted, createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

interface Case {
  issuer: string;
  /** The hosted login page for the case's pool, back to the personal center. */
  login: string;
  clientId: string;
  appName: string;
  postLogoutRedirectUri: string;
  user: { username: string; password: string };
}

describe.skipIf(!chromiumExecutable)("Signoff's end-session confirmation in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let pages: Server;
  let origin: string;
  const cases: Record<'default pool' | 'second pool', Case> = {} as never;

  beforeAll(async () => {
    // The apps' pages: another origin (localhost, where Signoff is 127.0.0.1).
    pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('app page'));
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(pages.address() as { port: number }).port}`;
    server = await startTestServer({ listen: true });

    const first = await createAppAndUser(server, {
      name: 'App A',
      redirectUris: [`${origin}/a/callback`],
      logoutRedirectUris: [`${origin}/a/bye`],
    });
    cases['default pool'] = {
      issuer: `${server.url}/oidc`,
      login: `${server.url}/login?return_to=/u`,
      clientId: first.app.id,
      appName: 'App A',
      postLogoutRedirectUri: `${origin}/a/bye`,
      user: first.user,
    };

    const pool = accepted(await server.services.pools.create({ name: 'B' })).pool;
    const app = accepted(
      await server.services.apps.create(pool.id, {
        name: 'App B',
        redirectUris: [`${origin}/b/callback`],
        logoutRedirectUris: [`${origin}/b/bye`],
      }),
    ).app;
    const userB = { username: 'bea', password: 'pool b password' };
    accepted(await server.services.users.create(pool.id, userB));
    cases['second pool'] = {
      issuer: `${server.url}/oidc/pools/${pool.id}`,
      login: `${server.url}/login?pool=${pool.id}&return_to=/u`,
      clientId: app.id,
      appName: 'App B',
      postLogoutRedirectUri: `${origin}/b/bye`,
      user: userB,
    };
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    pages?.close();
  });

  // Console errors and warnings (a CSP or CORS refusal, a library's complaint) fail a test.
  const tab = useIsolatedPages(
    () => browser,
    () => [server.url, origin],
  );

  it.each(['default pool', 'second pool'] as const)(
    '%s: Sign out on the confirmation lands on the registered URI with state, and the session is over',
    async (which) => {
      const { page, context } = tab;
      const c = cases[which];
      await page.goto(c.login);
      await page.getByLabel('Username or email').fill(c.user.username);
      await page.getByLabel('Password').fill(c.user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${server.url}/u`);
      const cookie = (await context.cookies(server.url)).find((k) => k.name === 'signoff_session')!;

      // No id_token_hint: Signoff asks.
      const params = new URLSearchParams({
        client_id: c.clientId,
        post_logout_redirect_uri: c.postLogoutRedirectUri,
        state: 'xyz',
      });
      await page.goto(`${c.issuer}/session/end?${params}`);
      await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
      await page.getByText(`${c.appName} asks to sign you out`).waitFor();

      // Either the browser gets to the app, or it stays and Chromium says why (a console error).
      const target = `${c.postLogoutRedirectUri}?state=xyz`;
      const settled = Promise.race([
        page.waitForURL(target),
        page.waitForEvent('console', (message) => message.type() === 'error'),
      ]);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await settled;
      expect(page.url()).toBe(target);
      await expect(page.textContent('body')).resolves.toBe('app page');

      // Over on the server, not only in this browser: the old cookie opens nothing.
      const replayed = await server.app.inject({
        url: '/u',
        headers: { cookie: `signoff_session=${cookie.value}` },
      });
      expect(replayed.statusCode).toBe(302);
      expect(replayed.headers.location).toMatch(/^\/login\?/);
      // And the personal center asks this browser to sign in again.
      await page.goto(`${server.url}/u`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.getByLabel('Password').waitFor();
    },
  );
});
