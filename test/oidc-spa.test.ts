// A single-page app as users build one: test/fixtures/spa/app.ts, bundled with esbuild around
// oidc-client-ts (a browser OIDC library nobody here wrote), served from another origin, signs
// in through the hosted login page, calls Signoff's end-user API with the OIDC access token
// (cross-origin, so CORS must answer), and signs out through the end session with its ID token
// as hint. Everything the app needs is Signoff and its own origin: the page reaches nothing else.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, launchChromium, useIsolatedPages } from './helpers/browser.ts';
import { createAppAndUser, getMe, startTestServer, type TestServer } from './helpers/server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/spa/', import.meta.url));

/** What the app says once it has finished loading (its status line, or the error it met). */
async function appStatus(page: Page) {
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'Loading…');
  return page.locator('#status').textContent();
}

describe.skipIf(!chromiumExecutable)('a single-page app with oidc-client-ts (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let pages: Server;
  let origin: string;
  let issuer: string;
  let clientId: string;
  let user: { id: string; username: string; password: string };
  let bundle = '';

  beforeAll(async () => {
    // The app's own origin: localhost, where Signoff is 127.0.0.1. A strict policy of its own,
    // as a careful SPA would have: it may talk to itself and to Signoff, nothing else.
    const index = readFileSync(`${FIXTURE}index.html`, 'utf8');
    pages = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://app').pathname;
      const csp = `default-src 'self'; connect-src 'self' ${server.url}; img-src data:`;
      if (path === '/' || path === '/callback.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
        res.end(index);
      } else if (path === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(pages.address() as { port: number }).port}`;

    server = await startTestServer({ listen: true });
    issuer = `${server.url}/oidc`;
    const created = await createAppAndUser(server, {
      name: 'SPA',
      redirectUris: [`${origin}/callback.html`],
      logoutRedirectUris: [`${origin}/`],
      tokenEndpointAuthMethod: 'none',
    });
    clientId = created.app.id;
    user = created.user;

    const built = await build({
      entryPoints: [`${FIXTURE}app.ts`],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
      define: {
        'process.env.SIGNOFF_URL': JSON.stringify(server.url),
        'process.env.SIGNOFF_ISSUER': JSON.stringify(issuer),
        'process.env.SIGNOFF_CLIENT_ID': JSON.stringify(clientId),
      },
    });
    bundle = built.outputFiles[0]!.text;
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

  it('signs in, shows the user from /api/v2/users/me, signs out, and the token is dead', async () => {
    const { page } = tab;
    await page.goto(`${origin}/`);
    await expect(appStatus(page)).resolves.toBe('Signed out');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.origin === server.url && u.pathname === '/login');
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Back at the app: the code exchanged at the token endpoint and the access token accepted
    // by Signoff's API, both from the app's origin.
    await page.waitForURL((u) => u.href.startsWith(`${origin}/callback.html?`));
    await expect(appStatus(page)).resolves.toBe(`Signed in as ${user.username}`);
    // The token the app holds (oidc-client-ts keeps its user in sessionStorage), for later.
    const accessToken = await page.evaluate(
      (key) => JSON.parse(sessionStorage.getItem(key) ?? '{}').access_token as string,
      `oidc.user:${issuer}:${clientId}`,
    );
    expect((await getMe(server, accessToken)).json().data.id).toBe(user.id);

    // Sign out with the ID token as hint: no confirmation, straight back to the app.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/`);
    await expect(appStatus(page)).resolves.toBe('Signed out');
    expect((await getMe(server, accessToken)).statusCode).toBe(401);

    // No silent way back: signing in again asks for the password.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.origin === server.url && u.pathname === '/login');
    await page.getByLabel('Password').waitFor();
  });
});
