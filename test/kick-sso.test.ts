// An admin kick from one app of two, end to end in Chromium: the user signed in to A and B by
// SSO through the hosted page; kicked from A, A's tokens die and A alone is told, B goes on;
// A needs the password again while B still signs in silently.
import * as oidc from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable } from './helpers/browser.ts';
import { CLIENT_KINDS } from './helpers/oidc-clients.ts';
import { startTwoApps, type TwoApps } from './helpers/two-apps.ts';

describe.skipIf(!chromiumExecutable).each(CLIENT_KINDS)(
  'an admin kick from one app of two (Chromium, real receivers, %s apps)',
  (kind) => {
    let f: TwoApps;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      f = await startTwoApps(kind);
      ({ context, page } = await f.newContext());
    });
    afterAll(async () => {
      await context?.close();
      await f?.close();
    });

    const authorize = (app: 'a' | 'b') => f.authorize(page, app);
    const onLoginPage = () => new URL(page.url()).pathname === '/login';

    it('A is ended and told, B goes on; A needs the password again, B signs in silently', async () => {
      const first = await authorize('a');
      expect(onLoginPage()).toBe(true);
      await f.enterPassword(page);
      const a = await first.finish();
      const b = await (await authorize('b')).finish();
      const sid = a.tokens.claims()!.sid as string;
      expect(b.tokens.claims()!.sid).toBe(sid);

      // The administrator kicks the user from A, as Authing's console would.
      const kicked = await f.server.app.inject({
        method: 'POST',
        url: `/api/v2/applications/${f.ids.a}/kick-active-users`,
        headers: { ...(await f.server.adminHeaders()), 'content-type': 'application/json' },
        payload: { userIds: [f.user.id] },
      });
      expect([kicked.statusCode, kicked.json().code]).toEqual([200, 200]);

      // A's tokens: inactive, no userinfo, no refresh.
      expect((await oidc.tokenIntrospection(a.config, a.tokens.access_token)).active).toBe(false);
      await expect(oidc.fetchUserInfo(a.config, a.tokens.access_token, f.user.id)).rejects.toThrow();
      await expect(oidc.refreshTokenGrant(a.config, a.tokens.refresh_token!)).rejects.toThrow();
      // B's tokens: untouched, and B's refresh token still yields a working access token.
      expect((await oidc.tokenIntrospection(b.config, b.tokens.access_token)).active).toBe(true);
      const refreshed = await oidc.refreshTokenGrant(b.config, b.tokens.refresh_token!);
      expect((await oidc.fetchUserInfo(b.config, refreshed.access_token, f.user.id)).sub).toBe(f.user.id);

      // A is told, once, with the session's sid; B is not told anything.
      await f.server.services.backchannel.runOnce();
      expect(f.receivers.a.received.map((r) => r.claims.sid)).toEqual([sid]);
      expect(f.receivers.a.received[0]!.claims.sub).toBe(f.user.id);
      expect(f.receivers.b.requests).toBe(0);
      expect([...f.receivers.a.rejected, ...f.receivers.b.rejected]).toEqual([]);

      // B: the browser's session still signs in silently, no password asked.
      const silentFlow = await authorize('b');
      expect(onLoginPage()).toBe(false);
      const silent = await silentFlow.finish();
      expect(silent.tokens.claims()!.sub).toBe(f.user.id);

      // A: the same browser, no prompt asked for, yet the password is required.
      f.clock.advance(1000);
      const back = await authorize('a');
      expect(onLoginPage()).toBe(true);
      await expect(page.getByLabel('Password').count()).resolves.toBe(1);
      await f.enterPassword(page, false);
      const again = await back.finish();
      expect(again.tokens.claims()!.sub).toBe(f.user.id);
      expect((await oidc.tokenIntrospection(again.config, again.tokens.access_token)).active).toBe(true);
    });
  },
);
