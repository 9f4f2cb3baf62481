// The hosted login page, in process: CSRF, error messages, throttling, the return_to
// allow-list, silent SSO and prompt=login, and the headers every page carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { csrfOf, pageClient } from './helpers/page-client.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

describe('hosted login page', () => {
  let server: TestServer;
  const clock = createManualClock(Date.now());
  let appId: string;
  let user: { id: string; username: string; email: string; password: string };

  beforeAll(async () => {
    server = await startTestServer({ clock });
    ({
      app: { id: appId },
      user,
    } = await createAppAndUser(server, { redirectUris: ['https://app.example.com/callback'] }));
  });
  afterAll(() => server.close());

  const sessionsOf = (userId: string) => server.services.sessions.listOfUser(server.pool.id, userId);
  // Each test uses its own address, so that the per-address throttle of one never affects another.
  let nextAddress = 10;
  const address = () => `192.0.2.${nextAddress++}`;

  it('shows a form with a CSRF field and cookie, under a strict CSP and no-referrer', async () => {
    const browser = pageClient(server);
    const res = await browser.get('/login');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = res.cookies.find((c) => c.name === 'signoff_csrf');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(csrfOf(res.body)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body).toContain('<label for="account">Username or email</label>');
    expect(res.body).toContain('<label for="password">Password</label>');
    expect(res.body).toContain(
      '<button type="submit" class="button button-primary button-block">Sign in</button>',
    );
    expect(res.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
  });

  it('serves its stylesheet itself, cached for a year under a content-hashed URL', async () => {
    const page = await pageClient(server).get('/login');
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page.body)![1]!;
    expect(href).toMatch(/^\/assets\/signoff\.css\?v=[0-9a-f]{12}$/);
    const css = await server.app.inject({ url: href });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.body).toContain(':focus-visible');
  });

  describe('CSRF', () => {
    const credentials = () => ({ account: user.username, password: user.password, return_to: '/u' });

    it('refuses a post without a token (403) and writes nothing: no session, no cookie', async () => {
      const browser = pageClient(server);
      await browser.get('/login');
      const before = (await sessionsOf(user.id)).length;
      const res = await browser.post('/login', credentials());
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('This form has expired');
      expect(res.cookies.find((c) => c.name === 'signoff_session')).toBeUndefined();
      expect((await sessionsOf(user.id)).length).toBe(before);
    });

    it('refuses a wrong token, a token without its cookie, and another browser’s token', async () => {
      const before = (await sessionsOf(user.id)).length;
      const mine = pageClient(server);
      const theirs = pageClient(server);
      const myToken = csrfOf((await mine.get('/login')).body);
      const theirToken = csrfOf((await theirs.get('/login')).body);
      expect(theirToken).not.toBe(myToken);

      const wrong = await mine.post('/login', { ...credentials(), csrf: `${myToken.slice(0, -2)}AA` });
      expect(wrong.statusCode).toBe(403);
      const crossed = await mine.post('/login', { ...credentials(), csrf: theirToken });
      expect(crossed.statusCode).toBe(403);
      const cookieless = pageClient(server);
      const noCookie = await cookieless.post('/login', { ...credentials(), csrf: myToken });
      expect(noCookie.statusCode).toBe(403);
      // The cookie value itself is not the token.
      const asCookie = await mine.post('/login', { ...credentials(), csrf: mine.cookie('signoff_csrf')! });
      expect(asCookie.statusCode).toBe(403);
      expect((await sessionsOf(user.id)).length).toBe(before);

      const right = await mine.post('/login', { ...credentials(), csrf: myToken });
      expect(right.statusCode).toBe(303);
    });
  });

  it('says "account or password is incorrect" for a wrong password and for an unknown account alike', async () => {
    const browser = pageClient(server);
    const ip = address();
    const wrongPassword = await browser.submit(
      '/login',
      '/login',
      { account: user.username, password: 'not it' },
      { remoteAddress: ip },
    );
    const unknown = await browser.submit(
      '/login',
      '/login',
      { account: 'nobody-here', password: 'not it' },
      { remoteAddress: ip },
    );
    for (const res of [wrongPassword, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain('The account or password is incorrect.');
      expect(res.body).toContain('role="alert"');
      expect(res.cookies.find((c) => c.name === 'signoff_session')).toBeUndefined();
    }
    // The account is given back (escaped); the password never is.
    expect(wrongPassword.body).toContain(`value="${user.username}"`);
    expect(wrongPassword.body).not.toContain('not it');
  });

  it('escapes what it echoes', async () => {
    const res = await pageClient(server).submit(
      '/login',
      '/login',
      { account: '"><script>alert(1)</script>', password: 'x' },
      { remoteAddress: address() },
    );
    expect(res.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(res.body).not.toContain('<script>');
  });

  it('asks for both fields when one is empty', async () => {
    const res = await pageClient(server).submit('/login', '/login', { account: user.username, password: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Enter your username or email and your password.');
  });

  it('signs in: session cookie (HttpOnly, SameSite=Lax), 303 to /u, and /u shows the user', async () => {
    const browser = pageClient(server);
    const res = await browser.submit('/login', '/login', {
      account: user.email,
      password: user.password,
      return_to: '/u',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/u');
    expect(res.cookies.find((c) => c.name === 'signoff_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    const center = await browser.get('/u');
    expect(center.statusCode).toBe(200);
    expect(center.body).toContain(user.username);
  });

  describe('throttling', () => {
    it('locks an account for 15 minutes after 5 failures, from any address, even with the right password', async () => {
      const { user: target } = await createAppAndUser(server);
      const browser = pageClient(server);
      for (let i = 0; i < 5; i++) {
        const res = await browser.submit(
          '/login',
          '/login',
          { account: target.username, password: `guess ${i}` },
          { remoteAddress: address() },
        );
        expect(res.statusCode).toBe(401);
      }
      const locked = await browser.submit(
        '/login',
        '/login',
        { account: target.username, password: target.password },
        { remoteAddress: address() },
      );
      expect(locked.statusCode).toBe(429);
      expect(locked.headers['retry-after']).toBe(String(15 * 60));
      expect(locked.body).toContain('Too many unsuccessful sign-in attempts');
      expect(locked.body).toContain('try again in 15 minutes');
      expect(locked.cookies.find((c) => c.name === 'signoff_session')).toBeUndefined();

      // The email names the same account.
      const byEmail = await browser.submit(
        '/login',
        '/login',
        { account: target.email.toUpperCase(), password: target.password },
        { remoteAddress: address() },
      );
      expect(byEmail.statusCode).toBe(429);

      clock.advance(10 * 60_000);
      const later = await browser.submit(
        '/login',
        '/login',
        { account: target.username, password: target.password },
        { remoteAddress: address() },
      );
      expect(later.statusCode).toBe(429);
      expect(later.body).toContain('try again in 5 minutes');

      clock.advance(5 * 60_000);
      const free = await browser.submit(
        '/login',
        '/login',
        { account: target.username, password: target.password },
        { remoteAddress: address() },
      );
      expect(free.statusCode).toBe(303);
    });

    it('blocks an address after 50 failures across accounts; other addresses are not affected', async () => {
      const browser = pageClient(server);
      const ip = address();
      for (let i = 0; i < 50; i++) {
        const res = await browser.submit(
          '/login',
          '/login',
          { account: `sprayed-${i}`, password: 'password1' },
          { remoteAddress: ip },
        );
        expect(res.statusCode).toBe(401);
      }
      const blocked = await browser.submit(
        '/login',
        '/login',
        { account: user.username, password: user.password },
        { remoteAddress: ip },
      );
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();

      const elsewhere = await pageClient(server).submit(
        '/login',
        '/login',
        { account: user.username, password: user.password },
        { remoteAddress: address() },
      );
      expect(elsewhere.statusCode).toBe(303);
    });
  });

  describe('return_to', () => {
    const allowed = [
      ['/u', '/u'],
      ['/u/', '/u/'],
      ['/u?notice=x', '/u?notice=x'],
      ['/oidc/interaction/abc123', '/oidc/interaction/abc123'],
      ['/oidc/interaction/abc123?x=1', '/oidc/interaction/abc123?x=1'],
    ];
    const hostile = [
      'https://evil.com/',
      'http://localhost:3000/u',
      '//evil.com',
      '//evil.com/u',
      '///evil.com',
      '/\\evil.com',
      '\\\\evil.com',
      '/u\\..\\..\\evil',
      '/\t/evil.com',
      '/u\r\nSet-Cookie: a=b',
      ' /u',
      'javascript:alert(1)',
      'data:text/html,hi',
      '/uevil',
      '/users',
      '/login',
      '/api/v2/logout',
      '/oidc/interaction/',
      '/oidc/interaction/../../evil',
      '/oidc/interaction/%2e%2e/%2e%2e/evil',
      '/u/../login/profile/logout?redirect_uri=x',
      '/u/%2e%2e/api',
      '%2F%2Fevil.com',
      'u',
      '',
    ];

    it.each(allowed)('follows %s after sign-in', async (value, expected) => {
      const browser = pageClient(server);
      const res = await browser.submit(`/login?return_to=${encodeURIComponent(value)}`, '/login', {
        account: user.username,
        password: user.password,
        return_to: value,
      });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(expected);
    });

    it('never follows a hostile value: the form carries /u and sign-in goes to /u', async () => {
      for (const value of hostile) {
        const browser = pageClient(server);
        const page = await browser.get(`/login?return_to=${encodeURIComponent(value)}`);
        expect(page.body, value).toContain('<input type="hidden" name="return_to" value="/u">');
        const res = await browser.post('/login', {
          csrf: csrfOf(page.body),
          account: user.username,
          password: user.password,
          return_to: value,
        });
        expect(res.statusCode, value).toBe(303);
        expect(res.headers.location, value).toBe('/u');
      }
    });

    it('never follows a hostile value on silent SSO either', async () => {
      const { cookie } = await login(server, appId, user.username, user.password);
      for (const value of hostile) {
        const res = await server.app.inject({
          url: `/login?return_to=${encodeURIComponent(value)}`,
          headers: { cookie },
        });
        expect(res.statusCode, value).toBe(302);
        expect(res.headers.location, value).toBe('/u');
      }
    });
  });

  it('silent SSO: a live session of the pool skips the form and goes on to return_to', async () => {
    const browser = pageClient(server);
    await browser.submit('/login', '/login', { account: user.username, password: user.password });
    const res = await browser.get('/login?return_to=%2Foidc%2Finteraction%2Fuid-1');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/oidc/interaction/uid-1');
    expect(res.cookies.find((c) => c.name === 'signoff_session')).toBeUndefined();
  });

  it('a session of another pool does not count for silent SSO', async () => {
    const other = await server.services.pools.create({ name: 'Other pool' });
    if (!other.ok) throw new Error('pool');
    const browser = pageClient(server);
    await browser.submit('/login', '/login', { account: user.username, password: user.password });
    const res = await browser.get(`/login?pool=${other.pool.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>Sign in</h1>');
    expect(res.body).toContain(`<input type="hidden" name="pool" value="${other.pool.id}">`);
  });

  it('an unknown pool is a 404 page', async () => {
    const res = await pageClient(server).get('/login?pool=no-such-pool');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('names a user pool that does not exist');
  });

  describe('prompt=login', () => {
    it('shows the form despite a live session; the same user keeps the same session', async () => {
      const browser = pageClient(server);
      await browser.submit('/login', '/login', { account: user.username, password: user.password });
      const cookieBefore = browser.cookie('signoff_session');
      const sessionsBefore = (await sessionsOf(user.id)).length;

      const page = await browser.get('/login?prompt=login&return_to=%2Foidc%2Finteraction%2Fuid-2');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('You are signed in as <strong>');
      expect(page.body).toContain(`value="${user.username}"`);

      clock.advance(60_000);
      const res = await browser.post('/login', {
        csrf: csrfOf(page.body),
        account: user.username,
        password: user.password,
        return_to: '/oidc/interaction/uid-2',
      });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/oidc/interaction/uid-2');
      expect(res.cookies.find((c) => c.name === 'signoff_session')).toBeUndefined();
      expect(browser.cookie('signoff_session')).toBe(cookieBefore);
      expect((await sessionsOf(user.id)).length).toBe(sessionsBefore);
      // The password was entered again: the session says so (what OIDC prompt=login and max_age read).
      const session = await server.services.sessions.fromCookie(cookieBefore!);
      expect(session?.authenticatedAt).toBe(clock.now());
    });

    it('a wrong password under prompt=login leaves the browser as it was', async () => {
      const browser = pageClient(server);
      await browser.submit('/login', '/login', { account: user.username, password: user.password });
      const cookieBefore = browser.cookie('signoff_session');
      const res = await browser.submit(
        '/login?prompt=login',
        '/login',
        { account: user.username, password: 'wrong' },
        { remoteAddress: address() },
      );
      expect(res.statusCode).toBe(401);
      expect(browser.cookie('signoff_session')).toBe(cookieBefore);
    });

    it('another user: a new session replaces the browser’s cookie', async () => {
      const { user: other } = await createAppAndUser(server);
      const browser = pageClient(server);
      await browser.submit('/login', '/login', { account: user.username, password: user.password });
      const cookieBefore = browser.cookie('signoff_session');
      const res = await browser.submit('/login?prompt=login', '/login', {
        account: other.username,
        password: other.password,
      });
      expect(res.statusCode).toBe(303);
      expect(browser.cookie('signoff_session')).not.toBe(cookieBefore);
      const session = await server.services.sessions.fromCookie(browser.cookie('signoff_session')!);
      expect(session?.userId).toBe(other.id);
    });
  });

  it('an OIDC sign-in page lets its form end at the pool’s registered redirect URIs only', async () => {
    const res = await pageClient(server).get('/login?return_to=%2Foidc%2Finteraction%2Fuid-3');
    expect(res.headers['content-security-policy']).toBe(
      CSP.replace("form-action 'self'", "form-action 'self' https://app.example.com/callback"),
    );
    expect(res.body).toContain('Use your account to continue to the application.');
  });
});
