// Kick semantics (CONTRACT §4) end to end, with a real browser and real apps: a user signed in
// to apps A and B through the hosted login page (OIDC code + PKCE) is kicked from A by the
// administrator. A's tokens die at once and A alone is told by back-channel logout; B goes on;
// getting back into A takes the password (DESIGN.md principle 4), while B still signs in
// silently from the same browser session.
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { chromiumExecutable, launchChromium } from './helpers/browser.ts';
import { type LogoutReceiver, startLogoutReceiver } from './helpers/logout-receiver.ts';
import { createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

describe.skipIf(!chromiumExecutable)('an admin kick from one app of two (Chromium, real receivers)', () => {
  const clock = createManualClock(Date.now());
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let apps: Server;
  let origin: string;
  let receivers: { a: LogoutReceiver; b: LogoutReceiver };
  let ids: { a: string; b: string };
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
    receivers = { a: await receiverFor(() => ids.a), b: await receiverFor(() => ids.b) };
    const created = await createAppAndUser(server, {
      name: 'App A',
      redirectUris: [`${origin}/a/callback`],
      backchannelLogoutUri: receivers.a.url,
    });
    user = created.user;
    const b = await server.services.apps.create(server.pool.id, {
      name: 'App B',
      redirectUris: [`${origin}/b/callback`],
      backchannelLogoutUri: receivers.b.url,
    });
    ids = { a: created.app.id, b: b.app.id };
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    await context.route(
      (url) => !url.href.startsWith(server.url) && !url.href.startsWith(origin),
      (route) => route.abort(),
    );
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await receivers?.a.close();
    await receivers?.b.close();
    await server?.close();
    apps?.close();
  });

  const configFor = (clientId: string) =>
    oidc.discovery(new URL(`${server.url}/oidc`), clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });

  /** Starts a code flow for an app in the browser; `finish` exchanges the code it received. */
  async function authorize(app: 'a' | 'b') {
    const config = await configFor(ids[app]);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const redirectUri = `${origin}/${app}/callback`;
    await page.goto(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile offline_access',
        // offline_access (a refresh token) is granted only with prompt=consent (OIDC Core §11).
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      }).href,
    );
    return {
      config,
      finish: async () => {
        await page.waitForURL((u) => u.href.startsWith(redirectUri));
        const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
          pkceCodeVerifier: verifier,
          expectedState: state,
        });
        return { config, tokens };
      },
    };
  }

  const onLoginPage = () => new URL(page.url()).pathname === '/login';

  async function enterPassword() {
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('A is ended and told, B goes on; A needs the password again, B signs in silently', async () => {
    const first = await authorize('a');
    expect(onLoginPage()).toBe(true);
    await page.getByLabel('Username or email').fill(user.username);
    await enterPassword();
    const a = await first.finish();
    const b = await (await authorize('b')).finish();
    const sid = a.tokens.claims()!.sid as string;
    expect(b.tokens.claims()!.sid).toBe(sid);

    // The administrator kicks the user from A, as Authing's console would.
    const kicked = await server.app.inject({
      method: 'POST',
      url: `/api/v2/applications/${ids.a}/kick-active-users`,
      headers: { ...(await server.adminHeaders()), 'content-type': 'application/json' },
      payload: { userIds: [user.id] },
    });
    expect([kicked.statusCode, kicked.json().code]).toEqual([200, 200]);

    // A's tokens: inactive, no userinfo, no refresh.
    expect((await oidc.tokenIntrospection(a.config, a.tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(a.config, a.tokens.access_token, user.id)).rejects.toThrow();
    await expect(oidc.refreshTokenGrant(a.config, a.tokens.refresh_token!)).rejects.toThrow();
    // B's tokens: untouched, and B's refresh token still yields a working access token.
    expect((await oidc.tokenIntrospection(b.config, b.tokens.access_token)).active).toBe(true);
    const refreshed = await oidc.refreshTokenGrant(b.config, b.tokens.refresh_token!);
    expect((await oidc.fetchUserInfo(b.config, refreshed.access_token, user.id)).sub).toBe(user.id);

    // A is told, once, with the session's sid; B is not told anything.
    await server.services.backchannel.runOnce();
    expect(receivers.a.received.map((r) => r.claims.sid)).toEqual([sid]);
    expect(receivers.a.received[0]!.claims.sub).toBe(user.id);
    expect(receivers.b.requests).toBe(0);
    expect([...receivers.a.rejected, ...receivers.b.rejected]).toEqual([]);

    // B: the browser's session still signs in silently, no password asked.
    const silentFlow = await authorize('b');
    expect(onLoginPage()).toBe(false);
    const silent = await silentFlow.finish();
    expect(silent.tokens.claims()!.sub).toBe(user.id);

    // A: the same browser, no prompt asked for, yet the password is required.
    clock.advance(1000);
    const back = await authorize('a');
    expect(onLoginPage()).toBe(true);
    await expect(page.getByLabel('Password').count()).resolves.toBe(1);
    await enterPassword();
    const again = await back.finish();
    expect(again.tokens.claims()!.sub).toBe(user.id);
    expect((await oidc.tokenIntrospection(again.config, again.tokens.access_token)).active).toBe(true);
  });
});
