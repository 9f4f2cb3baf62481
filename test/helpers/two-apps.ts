// The fixture of the browser end-to-end tests: a listening Signoff on a manual clock, two OIDC
// apps A and B of one kind (public, or confidential with either secret method) whose pages
// live on another origin (localhost vs 127.0.0.1), each with a real back-channel receiver, one
// user, and Chromium. `authorize` runs the app side of a code flow (openid-client, PKCE) in a
// page.
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { createManualClock } from '../../src/domain/clock.ts';
import { isolatedPage, launchChromium } from './browser.ts';
import { type LogoutReceiver, startLogoutReceiver } from './logout-receiver.ts';
import { authMethodOf, type ClientKind, discover } from './oidc-clients.ts';
import { accepted, createAppAndUser, startTestServer } from './server.ts';

export type AppKey = 'a' | 'b';

export async function startTwoApps(kind: ClientKind = 'public') {
  const clock = createManualClock(Date.now());
  const pages: Server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/plain' }).end('app page'),
  );
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(pages.address() as { port: number }).port}`;
  const server = await startTestServer({ listen: true, clock, settings: { backchannelAllowPrivate: true } });
  const ids = { a: '', b: '' };
  const secrets = { a: '', b: '' };
  const receiverFor = (app: AppKey) =>
    startLogoutReceiver({
      jwksUrl: () => `${server.url}/.well-known/jwks.json`,
      issuer: `${server.url}/oidc`,
      audience: () => ids[app],
      now: () => clock.now(),
    });
  const receivers: Record<AppKey, LogoutReceiver> = { a: await receiverFor('a'), b: await receiverFor('b') };
  const created = await createAppAndUser(server, {
    name: 'App A',
    redirectUris: [`${origin}/a/callback`],
    logoutRedirectUris: [`${origin}/a/bye`],
    backchannelLogoutUri: receivers.a.url,
    tokenEndpointAuthMethod: authMethodOf(kind),
  });
  const b = accepted(
    await server.services.apps.create(server.pool.id, {
      name: 'App B',
      redirectUris: [`${origin}/b/callback`],
      backchannelLogoutUri: receivers.b.url,
      tokenEndpointAuthMethod: authMethodOf(kind),
    }),
  );
  ids.a = created.app.id;
  ids.b = b.app.id;
  secrets.a = created.app.secret;
  secrets.b = b.secret;
  const browser: Browser = await launchChromium();

  const configFor = (app: AppKey) =>
    discover(`${server.url}/oidc`, { id: ids[app], secret: secrets[app] }, kind);

  return {
    kind,
    clock,
    server,
    origin,
    ids,
    receivers,
    user: created.user,
    browser,

    /** A browser context that reaches only Signoff and the apps' pages (the network is closed). */
    newContext: () => isolatedPage(browser, [server.url, origin]),

    /** Starts a code flow for an app in the page; `finish` exchanges the code it received. */
    async authorize(page: Page, app: AppKey) {
      const config = await configFor(app);
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
    },

    /** Fills the hosted login form with the user's password. */
    async enterPassword(page: Page, withAccount = true) {
      if (withAccount) await page.getByLabel('Username or email').fill(created.user.username);
      await page.getByLabel('Password').fill(created.user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    },

    async close() {
      await browser.close();
      await receivers.a.close();
      await receivers.b.close();
      await server.close();
      pages.close();
    },
  };
}

export type TwoApps = Awaited<ReturnType<typeof startTwoApps>>;
