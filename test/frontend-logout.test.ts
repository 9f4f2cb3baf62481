// Front-end logout routes (CONTRACT §6), in process: Authing's /login/profile/logout and the
// three Wix Headless paths. Whatever the redirect parameter holds, the browser's session ends,
// its token is refused at once, its cookies expire, and the only Location ever sent is a
// registered logout redirect URI, character for character.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, isolatedPage, launchChromium } from './helpers/browser.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

const REGISTERED = 'https://app.example.com/bye';

const HOSTILE = [
  'https://evil.com/bye',
  'https://evil.com',
  'https://app.example.com.evil.com/bye',
  'https://app.example.com@evil.com/bye',
  'https://evil.com@app.example.com/bye',
  'https://evil.com\\@app.example.com/bye',
  '//evil.com',
  '//app.example.com/bye',
  '/\\evil.com',
  '\\\\evil.com',
  'https://app.example.com/bye/..%2F..%2Fevil',
  'https://app.example.com/bye/../evil',
  'https://app.example.com/bye%2F..%2F..%2Fevil',
  'HTTPS://APP.EXAMPLE.COM/bye',
  'https://APP.example.com/bye',
  'https://app.example.com/BYE',
  'https://app.example.com:443/bye',
  'https://app.example.com:8443/bye',
  'http://app.example.com/bye',
  'https://app.example.com/bye/',
  'https://app.example.com/bye?',
  'https://app.example.com/bye?next=https://evil.com',
  'https://app.example.com/bye#',
  'https://app.example.com/bye#https://evil.com',
  'https://app.example.com/bye%20',
  'https://app.example.com/by%65',
  'https://app.example.com/by',
  'https://app.example.com/byee',
  'https://app.example.com./bye',
  ' https://app.example.com/bye',
  'https://app.example.com/bye ',
  'https://app.example.com/bye\t',
  '\thttps://app.example.com/bye',
  'https://app.example.com/bye\r\nLocation: https://evil.com',
  'https://app.example.com/bye\nSet-Cookie: signoff_session=attacker',
  'https://app.example.com/bye%0d%0aSet-Cookie:%20x=1',
  'javascript:alert(1)',
  'javascript:alert(1)//https://app.example.com/bye',
  'JaVaScRiPt:alert(document.cookie)',
  'data:text/html,<script>alert(1)</script>',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'vbscript:msgbox(1)',
  'app.example.com/bye',
  '/bye',
  '/u',
  'https://app.example.com',
  '',
];

interface Route {
  name: string;
  url(appId: string, redirect: string | null): string;
  /** The status a refused redirect answers with. */
  refusedStatus: number;
}

const q = (params: Record<string, string | null>) =>
  Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');

const ROUTES: Route[] = [
  {
    name: 'Authing, app_id',
    url: (appId, r) => `/login/profile/logout?${q({ redirect_uri: r, app_id: appId })}`,
    refusedStatus: 400,
  },
  {
    name: 'Authing, client_id',
    url: (appId, r) => `/login/profile/logout?${q({ redirect_uri: r, client_id: appId })}`,
    refusedStatus: 400,
  },
  {
    name: 'Authing, no app (any app of the pool)',
    url: (_appId, r) => `/login/profile/logout?${q({ redirect_uri: r })}`,
    refusedStatus: 400,
  },
  ...['/v1/logout', '/_api/iam/authentication/v1/logout', '/iam/authentication/v1/logout'].map((path) => ({
    name: `Wix ${path}`,
    url: (appId: string, r: string | null) => `${path}?${q({ clientId: appId, postLogoutRedirectUri: r })}`,
    refusedStatus: 400,
  })),
];

describe('front-end logout routes', () => {
  let server: TestServer;
  let appId: string;
  let user: { id: string; username: string; email: string; password: string };

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
      user,
    } = await createAppAndUser(server, { logoutRedirectUris: [REGISTERED, 'com.example.app:/bye'] }));
  });
  afterAll(() => server.close());

  /** A fresh browser session signed in to the app: its cookie and the app's token. */
  const signIn = () => login(server, appId, user.username, user.password);

  function expectCookiesExpired(res: Awaited<ReturnType<TestServer['app']['inject']>>) {
    for (const name of ['signoff_session', 'signoff_csrf']) {
      const cookie = res.cookies.find((c) => c.name === name) as
        | { value: string; expires?: Date }
        | undefined;
      expect(cookie, `${name} expired`).toBeDefined();
      expect(cookie!.value).toBe('');
      expect(cookie!.expires!.getTime()).toBeLessThanOrEqual(Date.now());
    }
  }

  async function expectRefused(token: string) {
    const me = await getMe(server, token);
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe(2020);
  }

  describe.each(ROUTES)('$name', (route) => {
    it('follows the registered URI exactly, after ending the session', async () => {
      const { token, cookie } = await signIn();
      const res = await server.app.inject({ url: route.url(appId, REGISTERED), headers: { cookie } });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe(REGISTERED);
      expectCookiesExpired(res);
      await expectRefused(token);
    });

    it('follows nothing hostile, and still ends the session every time', async () => {
      for (const hostile of HOSTILE) {
        const { token, cookie } = await signIn();
        const res = await server.app.inject({ url: route.url(appId, hostile), headers: { cookie } });
        expect(res.headers.location, hostile).toBeUndefined();
        // An empty redirect asks for none: the signed-out page.
        expect(res.statusCode, hostile).toBe(hostile === '' ? 200 : route.refusedStatus);
        expectCookiesExpired(res);
        await expectRefused(token);
      }
    });

    it('without a session is still a success (logging out twice is not an error)', async () => {
      const res = await server.app.inject({ url: route.url(appId, REGISTERED) });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe(REGISTERED);
      expectCookiesExpired(res);
      const again = await server.app.inject({ url: route.url(appId, null) });
      expect(again.statusCode).toBe(200);
      expect(again.body).toContain('You are signed out');
    });

    it('follows a registered private-use scheme URI exactly', async () => {
      const { token, cookie } = await signIn();
      const res = await server.app.inject({
        url: route.url(appId, 'com.example.app:/bye'),
        headers: { cookie },
      });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('com.example.app:/bye');
      await expectRefused(token);
    });
  });

  it('Authing without redirect_uri: a 200 signed-out page with a way back', async () => {
    const { token, cookie } = await signIn();
    const res = await server.app.inject({ url: '/login/profile/logout', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('<h1>You are signed out</h1>');
    expect(res.body).toContain('href="/login"');
    expectCookiesExpired(res);
    await expectRefused(token);
  });

  it('Authing with an unregistered redirect_uri: a 400 page that says why and offers a way back', async () => {
    const { cookie } = await signIn();
    const res = await server.app.inject({
      url: `/login/profile/logout?redirect_uri=${encodeURIComponent('https://evil.com/')}`,
      headers: { cookie },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('not registered with Signoff');
    expect(res.body).not.toContain('evil.com');
    expect(res.body).toContain('href="/login"');
  });

  it('Authing: a redirect registered by another app of the pool counts only when no app is named', async () => {
    const headers = await server.adminHeaders();
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/applications',
      headers,
      payload: { name: 'Other', logoutRedirectUris: ['https://other.example.com/bye'] },
    });
    const anyApp = await server.app.inject({
      url: `/login/profile/logout?redirect_uri=${encodeURIComponent('https://other.example.com/bye')}`,
    });
    expect(anyApp.headers.location).toBe('https://other.example.com/bye');
    const named = await server.app.inject({
      url: `/login/profile/logout?app_id=${appId}&redirect_uri=${encodeURIComponent('https://other.example.com/bye')}`,
    });
    expect(named.statusCode).toBe(400);
    expect(named.headers.location).toBeUndefined();
  });

  it('a URI registered only in another pool is never followed', async () => {
    const other = await server.services.pools.create({ name: 'Elsewhere' });
    if (!other.ok) throw new Error('pool');
    await server.services.apps.create(other.pool.id, {
      name: 'Foreign',
      logoutRedirectUris: ['https://foreign.example.com/bye'],
    });
    const { token, cookie } = await signIn();
    const res = await server.app.inject({
      url: `/login/profile/logout?redirect_uri=${encodeURIComponent('https://foreign.example.com/bye')}`,
      headers: { cookie },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    await expectRefused(token);
  });

  it('a repeated redirect parameter is refused, never guessed at', async () => {
    const { token, cookie } = await signIn();
    const authing = await server.app.inject({
      url: `/login/profile/logout?redirect_uri=${encodeURIComponent(REGISTERED)}&redirect_uri=https%3A%2F%2Fevil.com`,
      headers: { cookie },
    });
    expect(authing.statusCode).toBe(400);
    expect(authing.headers.location).toBeUndefined();
    await expectRefused(token);
    const wix = await server.app.inject({
      url: `/v1/logout?clientId=${appId}&postLogoutRedirectUri=${encodeURIComponent(REGISTERED)}&postLogoutRedirectUri=x`,
    });
    expect(wix.statusCode).toBe(400);
    expect(wix.headers.location).toBeUndefined();
  });

  it('records app_logout with the app as actor when an app is named, user_logout otherwise', async () => {
    const sidOf = (token: string) => {
      const checked = server.services.tokens.verifyAccessToken(token);
      if (!checked.ok) throw new Error('token');
      return checked.claims.sessionId;
    };
    const a = await signIn();
    const b = await signIn();
    const [sidA, sidB] = [sidOf(a.token), sidOf(b.token)];
    await server.app.inject({ url: `/v1/logout?clientId=${appId}`, headers: { cookie: a.cookie } });
    await server.app.inject({ url: '/login/profile/logout', headers: { cookie: b.cookie } });
    expect((await server.services.sessions.get(server.pool.id, sidA))?.endReason).toBe('app_logout');
    expect((await server.services.sessions.get(server.pool.id, sidB))?.endReason).toBe('user_logout');
    // The two ends may fall in the same millisecond, whose order the audit does not fix.
    const audit = await server.store.audit.listSessionEnds(server.pool.id, 0, 2);
    expect(
      audit.list.map((r) => [r.reason, r.actor]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    ).toEqual([
      ['app_logout', { type: 'app', id: appId }],
      ['user_logout', { type: 'user', id: user.id }],
    ]);
  });

  describe('Wix errors in Wix’s shape, and the session still ends', () => {
    it('unknown clientId: 404 applicationError', async () => {
      const { token, cookie } = await signIn();
      const res = await server.app.inject({
        url: `/v1/logout?clientId=nope&postLogoutRedirectUri=${encodeURIComponent(REGISTERED)}`,
        headers: { cookie, accept: 'application/json' },
      });
      expect(res.statusCode).toBe(404);
      expect(res.headers.location).toBeUndefined();
      expect(res.json()).toEqual({
        message: expect.any(String),
        details: {
          applicationError: { code: 'OAUTH_APP_NOT_FOUND', description: expect.any(String), data: {} },
        },
      });
      expectCookiesExpired(res);
      await expectRefused(token);
    });

    it('unregistered postLogoutRedirectUri: 400 validationError naming the field', async () => {
      const { token, cookie } = await signIn();
      const res = await server.app.inject({
        url: `/v1/logout?clientId=${appId}&postLogoutRedirectUri=${encodeURIComponent('https://evil.com/')}`,
        headers: { cookie, accept: 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.json()).toMatchObject({
        message: expect.any(String),
        details: { validationError: { fieldViolations: [{ field: 'postLogoutRedirectUri' }] } },
      });
      expectCookiesExpired(res);
      await expectRefused(token);
    });

    it('a redirect without clientId cannot be checked: 400 naming clientId', async () => {
      const { token, cookie } = await signIn();
      const res = await server.app.inject({
        url: `/v1/logout?postLogoutRedirectUri=${encodeURIComponent(REGISTERED)}`,
        headers: { cookie, accept: 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().details.validationError.fieldViolations[0].field).toBe('clientId');
      await expectRefused(token);
    });

    it('an API client that sends no Accept, or */* (curl), gets the JSON too', async () => {
      const url = `/v1/logout?clientId=${appId}&postLogoutRedirectUri=${encodeURIComponent('https://evil.com/')}`;
      for (const headers of [{}, { accept: '*/*' }, { accept: 'application/json, text/html;q=0.5' }]) {
        const res = await server.app.inject({ url, headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(400);
        expect(res.json().details.validationError.fieldViolations[0].field).toBe('postLogoutRedirectUri');
      }
    });

    it('unregistered postLogoutRedirectUri in a browser: the 400 signed-out page saying why, not raw JSON', async () => {
      const url = `/v1/logout?clientId=${appId}&postLogoutRedirectUri=${encodeURIComponent('https://evil.com/')}`;
      const browsers = [
        // Chromium's navigation Accept, then a navigation known only by its Fetch metadata.
        { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8' },
        { accept: '*/*', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' },
      ];
      for (const headers of browsers) {
        const { token, cookie } = await signIn();
        const res = await server.app.inject({ url, headers: { ...headers, cookie } });
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.headers.location).toBeUndefined();
        expect(res.body).toContain('<h1>You are signed out</h1>');
        expect(res.body).toContain('not registered with Signoff');
        expect(res.body).not.toContain('evil.com');
        expect(res.body).toContain('href="/login"');
        expectCookiesExpired(res);
        await expectRefused(token);
      }
    });

    it('the other Wix errors in a browser are pages too, with their status', async () => {
      const accept = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';
      const cases = [
        {
          url: `/v1/logout?clientId=nope&postLogoutRedirectUri=${encodeURIComponent(REGISTERED)}`,
          status: 404,
          says: 'application that sent you here is not registered',
        },
        {
          url: `/v1/logout?clientId=nope`,
          status: 404,
          says: 'application that sent you here is not registered',
        },
        {
          url: `/v1/logout?postLogoutRedirectUri=${encodeURIComponent(REGISTERED)}`,
          status: 400,
          says: 'not registered with Signoff',
        },
        {
          url: `/iam/authentication/v1/logout?clientId=${appId}&clientId=${appId}`,
          status: 400,
          says: 'not registered with Signoff',
        },
      ];
      for (const { url, status, says } of cases) {
        const { token, cookie } = await signIn();
        const res = await server.app.inject({ url, headers: { accept, cookie } });
        expect(res.statusCode, url).toBe(status);
        expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
        expect(res.body, url).toContain(says);
        expectCookiesExpired(res);
        await expectRefused(token);
      }
    });

    it('no redirect: 200 HTML signed-out page', async () => {
      const { token, cookie } = await signIn();
      for (const url of [`/v1/logout?clientId=${appId}`, '/v1/logout']) {
        const res = await server.app.inject({ url, headers: { cookie } });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.body).toContain('You are signed out');
        expectCookiesExpired(res);
      }
      await expectRefused(token);
    });
  });
});

describe.skipIf(!chromiumExecutable)('Wix logout errors in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let appId: string;
  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    ({
      app: { id: appId },
    } = await createAppAndUser(server, { logoutRedirectUris: [REGISTERED] }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('Wix logout with an unregistered postLogoutRedirectUri shows the signed-out page', async () => {
    const { context, page, problems } = await isolatedPage(browser, [server.url]);
    const url = `${server.url}/v1/logout?clientId=${appId}&postLogoutRedirectUri=${encodeURIComponent('https://evil.example/')}`;
    const response = await page.goto(url);
    expect(response?.status()).toBe(400);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You are signed out');
    await expect(page.getByRole('note').textContent()).resolves.toContain('not registered with Signoff');
    expect(await page.getByRole('link', { name: 'Sign in again' }).getAttribute('href')).toBe('/login');
    await context.close();
    // Chromium reports the page's own 400 status as a console error; nothing else may appear.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
  });
});
