// The OpenID Connect code flow through the hosted login page in a real browser: the
// authorization request lands on /login, the password is entered there, and the browser is
// carried through the interaction back to the app's redirect URI. Browsers hold the whole
// redirect chain after a form post to the page's CSP form-action, so this is where a too
// strict (or too loose) policy shows. Also: silent SSO into a second app, and prompt=login.
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumExecutable, isolatedPage, launchChromium } from './helpers/browser.ts';
import { accepted, createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

const executablePath = chromiumExecutable;

describe.skipIf(!executablePath)('OIDC sign-in through the hosted login page (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let appOne: string;
  let appTwo: string;
  let user: { id: string; username: string; password: string };
  let consoleProblems: string[];
  // The apps: a small HTTP server on another origin (localhost, where Signoff is 127.0.0.1).
  let apps: Server;
  let CALLBACK: string;
  let CALLBACK_TWO: string;

  beforeAll(async () => {
    apps = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('app callback'),
    );
    await new Promise<void>((resolve) => apps.listen(0, '127.0.0.1', resolve));
    const { port } = apps.address() as { port: number };
    CALLBACK = `http://localhost:${port}/one/callback`;
    CALLBACK_TWO = `http://localhost:${port}/two/callback`;
    server = await startTestServer({ listen: true });
    const created = await createAppAndUser(server, {
      name: 'App one',
      redirectUris: [CALLBACK],
      tokenEndpointAuthMethod: 'none',
    });
    appOne = created.app.id;
    user = created.user;
    appTwo = accepted(
      await server.services.apps.create(server.pool.id, {
        name: 'App two',
        redirectUris: [CALLBACK_TWO],
        tokenEndpointAuthMethod: 'none',
      }),
    ).app.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    apps?.close();
  });

  beforeEach(async () => {
    ({
      context,
      page,
      problems: consoleProblems,
    } = await isolatedPage(browser, [server.url, new URL(CALLBACK).origin]));
  });
  afterEach(async () => {
    await context.close();
    expect(consoleProblems).toEqual([]);
  });

  const configFor = (clientId: string) =>
    oidc.discovery(new URL(`${server.url}/oidc`), clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });

  /** Starts a code flow in the browser; `finish` exchanges the code the app received. */
  async function authorize(clientId: string, redirectUri: string, extra: Record<string, string> = {}) {
    const config = await configFor(clientId);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    await page.goto(url.href);
    return {
      finish: async () => {
        await page.waitForURL((u) => u.href.startsWith(redirectUri));
        return oidc.authorizationCodeGrant(config, new URL(page.url()), {
          pkceCodeVerifier: verifier,
          expectedState: state,
        });
      },
    };
  }

  async function enterPassword() {
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('lands on /login, and after the password the app gets a code for this user', async () => {
    const flow = await authorize(appOne, CALLBACK);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByText('continue to the application').count()).resolves.toBe(1);
    await page.getByLabel('Username or email').fill(user.username);
    await enterPassword();
    const tokens = await flow.finish();
    expect(tokens.claims()?.sub).toBe(user.id);
    expect((await context.cookies()).map((c) => c.name)).toContain('signoff_session');
  });

  it('a second app signs in silently; prompt=login asks for the password again and keeps the session', async () => {
    const first = await authorize(appOne, CALLBACK);
    await page.getByLabel('Username or email').fill(user.username);
    await enterPassword();
    await first.finish();
    const cookie = (await context.cookies()).find((c) => c.name === 'signoff_session')!.value;

    const second = await authorize(appTwo, CALLBACK_TWO);
    const secondTokens = await second.finish();
    expect(secondTokens.claims()?.sub).toBe(user.id);

    // auth_time is in whole seconds: it must be at least the second after the first sign-in.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const retyped = Math.floor(Date.now() / 1000);
    const again = await authorize(appOne, CALLBACK, { prompt: 'login' });
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByText('You are signed in as').count()).resolves.toBe(1);
    await enterPassword();
    const againTokens = await again.finish();
    expect(Number(againTokens.claims()?.auth_time)).toBeGreaterThanOrEqual(retyped);
    expect((await context.cookies()).find((c) => c.name === 'signoff_session')!.value).toBe(cookie);
  });
});
