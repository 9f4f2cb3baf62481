// Issue 3's "done when", end to end: a user signs in to two apps through the hosted page (a
// real browser), logs out from one app through each front-end logout route in turn, lands on a
// registered page, both apps receive verified logout tokens — one of them after being down
// for a while — and nothing from that session works any more.
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { chromiumExecutable, launchChromium } from './helpers/browser.ts';
import { type LogoutReceiver, startLogoutReceiver } from './helpers/logout-receiver.ts';
import { createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

type Route = 'oidc end session' | 'authing' | 'wix' | 'api with cookie';
const ROUTES: Route[] = ['oidc end session', 'authing', 'wix', 'api with cookie'];

describe.skipIf(!chromiumExecutable)('logging out of two apps from one (Chromium, real receivers)', () => {
  const clock = createManualClock(Date.now());
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let apps: Server;
  let origin: string;
  let receivers: { one: LogoutReceiver; two: LogoutReceiver };
  let ids: { one: string; two: string };
  let user: { id: string; username: string; password: string };

  beforeAll(async () => {
    // The apps' pages, on another origin than Signoff (localhost vs 127.0.0.1).
    apps = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('app page'));
    await new Promise<void>((resolve) => apps.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(apps.address() as { port: number }).port}`;
    server = await startTestServer({ listen: true, clock, settings: { backchannelAllowPrivate: true } });
    const receiverFor = (app: () => string) =>
      startLogoutReceiver({
        jwksUrl: () => `${server.url}/.well-known/jwks.json`,
        issuer: `${server.url}/oidc`,
        audience: app,
        now: () => clock.now(),
      });
    receivers = { one: await receiverFor(() => ids.one), two: await receiverFor(() => ids.two) };
    const created = await createAppAndUser(server, {
      name: 'App one',
      redirectUris: [`${origin}/one/callback`],
      logoutRedirectUris: [`${origin}/one/bye`],
      backchannelLogoutUri: receivers.one.url,
    });
    user = created.user;
    const two = await server.services.apps.create(server.pool.id, {
      name: 'App two',
      redirectUris: [`${origin}/two/callback`],
      backchannelLogoutUri: receivers.two.url,
    });
    ids = { one: created.app.id, two: two.app.id };
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await receivers?.one.close();
    await receivers?.two.close();
    await server?.close();
    apps?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    await context.route(
      (url) => !url.href.startsWith(server.url) && !url.href.startsWith(origin),
      (route) => route.abort(),
    );
  });
  afterEach(() => context.close());

  const configFor = (clientId: string) =>
    oidc.discovery(new URL(`${server.url}/oidc`), clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });

  async function signIn(clientId: string, app: 'one' | 'two', withPassword: boolean) {
    const config = await configFor(clientId);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const redirectUri = `${origin}/${app}/callback`;
    await page.goto(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile offline_access',
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      }).href,
    );
    if (withPassword) {
      await page.getByLabel('Username or email').fill(user.username);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.waitForURL((u) => u.href.startsWith(redirectUri));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return { config, tokens };
  }

  for (const route of ROUTES) {
    it(`through ${route}`, async () => {
      const one = await signIn(ids.one, 'one', true);
      const two = await signIn(ids.two, 'two', false);
      const sid = one.tokens.claims()!.sid as string;
      expect(two.tokens.claims()!.sid).toBe(sid);
      const before = { one: receivers.one.received.length, two: receivers.two.received.length };
      await receivers.two.down();

      const bye = `${origin}/one/bye`;
      if (route === 'api with cookie') {
        const answer = await page.request.get(`${server.url}/api/v2/logout?app_id=${ids.one}`);
        expect(answer.status()).toBe(200);
        expect((await answer.json()).code).toBe(200);
      } else {
        const url =
          route === 'oidc end session'
            ? oidc.buildEndSessionUrl(one.config, {
                id_token_hint: one.tokens.id_token!,
                post_logout_redirect_uri: bye,
                state: 'from-app-one',
              }).href
            : route === 'authing'
              ? `${server.url}/login/profile/logout?app_id=${ids.one}&redirect_uri=${encodeURIComponent(bye)}`
              : `${server.url}/v1/logout?clientId=${ids.one}&postLogoutRedirectUri=${encodeURIComponent(bye)}`;
        await page.goto(url);
        await page.waitForURL((u) => u.href.startsWith(bye));
        expect(page.url()).toBe(route === 'oidc end session' ? `${bye}?state=from-app-one` : bye);
      }
      expect((await context.cookies()).map((c) => c.name)).not.toContain('signoff_session');

      // App one is told at once; app two, down, is retried until it is back.
      await server.services.backchannel.runOnce();
      expect(receivers.one.received.slice(before.one).map((r) => r.claims.sid)).toEqual([sid]);
      expect(receivers.two.received.length).toBe(before.two);
      await receivers.two.up();
      clock.advance(10_000);
      await server.services.backchannel.runOnce();
      expect(receivers.two.received.slice(before.two).map((r) => r.claims.sid)).toEqual([sid]);
      expect([...receivers.one.rejected, ...receivers.two.rejected]).toEqual([]);

      // Nothing from that session works any more, in either app.
      for (const { config, tokens } of [one, two]) {
        expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
        await expect(oidc.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toThrow();
        await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
      }
      await page.goto(`${server.url}/u`);
      expect(new URL(page.url()).pathname).toBe('/login');
    });
  }
});
