// Issue 3's "done when", end to end: a user signs in to two apps through the hosted page (a
// real browser), logs out from one app through each front-end logout route in turn, lands on a
// registered page, both apps receive verified logout tokens — one of them after being down
// for a while — and nothing from that session works any more.
import * as oidc from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumExecutable } from './helpers/browser.ts';
import { CLIENT_KINDS } from './helpers/oidc-clients.ts';
import { startTwoApps, type TwoApps } from './helpers/two-apps.ts';

type Route = 'oidc end session' | 'authing' | 'wix' | 'api with cookie';
const ROUTES: Route[] = ['oidc end session', 'authing', 'wix', 'api with cookie'];

describe.skipIf(!chromiumExecutable).each(CLIENT_KINDS)(
  'logging out of two apps from one (Chromium, real receivers, %s apps)',
  (kind) => {
    let f: TwoApps;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      f = await startTwoApps(kind);
    });
    afterAll(() => f?.close());
    beforeEach(async () => {
      ({ context, page } = await f.newContext());
    });
    afterEach(() => context.close());

    async function signIn(app: 'a' | 'b', withPassword: boolean) {
      const flow = await f.authorize(page, app);
      if (withPassword) await f.enterPassword(page);
      return flow.finish();
    }

    for (const route of ROUTES) {
      it(`through ${route}`, async () => {
        const one = await signIn('a', true);
        const two = await signIn('b', false);
        const sid = one.tokens.claims()!.sid as string;
        expect(two.tokens.claims()!.sid).toBe(sid);
        const before = { one: f.receivers.a.received.length, two: f.receivers.b.received.length };
        await f.receivers.b.down();

        const bye = `${f.origin}/a/bye`;
        if (route === 'api with cookie') {
          const answer = await page.request.get(`${f.server.url}/api/v2/logout?app_id=${f.ids.a}`);
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
                ? `${f.server.url}/login/profile/logout?app_id=${f.ids.a}&redirect_uri=${encodeURIComponent(bye)}`
                : `${f.server.url}/v1/logout?clientId=${f.ids.a}&postLogoutRedirectUri=${encodeURIComponent(bye)}`;
          await page.goto(url);
          await page.waitForURL((u) => u.href.startsWith(bye));
          expect(page.url()).toBe(route === 'oidc end session' ? `${bye}?state=from-app-one` : bye);
        }
        expect((await context.cookies()).map((c) => c.name)).not.toContain('signoff_session');

        // App one is told at once; app two, down, is retried until it is back.
        await f.server.services.backchannel.runOnce();
        expect(f.receivers.a.received.slice(before.one).map((r) => r.claims.sid)).toEqual([sid]);
        expect(f.receivers.b.received.length).toBe(before.two);
        await f.receivers.b.up();
        f.clock.advance(10_000);
        await f.server.services.backchannel.runOnce();
        expect(f.receivers.b.received.slice(before.two).map((r) => r.claims.sid)).toEqual([sid]);
        expect([...f.receivers.a.rejected, ...f.receivers.b.rejected]).toEqual([]);

        // Nothing from that session works any more, in either app.
        for (const { config, tokens } of [one, two]) {
          expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
          await expect(oidc.fetchUserInfo(config, tokens.access_token, f.user.id)).rejects.toThrow();
          await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
        }
        await page.goto(`${f.server.url}/u`);
        expect(new URL(page.url()).pathname).toBe('/login');
      });
    }
  },
);
