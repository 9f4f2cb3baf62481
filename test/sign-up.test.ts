// Self sign-up (issue 11, part 3): off by default and switched on per pool by its
// administrator; the hosted page /signup and Authing's POST /api/v2/register/email, with the
// sign-in page's rules — CSRF, the password rules, a per-address throttle — and a clear answer
// for an email that already has an account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageClient } from './helpers/page-client.ts';
import { accepted, createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

describe('self sign-up', () => {
  let server: TestServer;
  let appId: string;
  let existing: { email: string; password: string };
  // A small per-address limit, so that the throttle shows in a few tries.
  const PER_ADDRESS = 4;

  beforeAll(async () => {
    server = await startTestServer({
      settings: { loginThrottle: { perAccount: 5, perIp: PER_ADDRESS, windowMs: 15 * 60_000 } },
    });
    const created = await createAppAndUser(server);
    appId = created.app.id;
    existing = created.user;
  });
  afterAll(() => server.close());

  // Each test signs up from its own address, so that one's count never affects another.
  let nextAddress = 10;
  const address = () => `198.51.100.${nextAddress++}`;

  const settings = async (method: 'GET' | 'PATCH', payload?: Record<string, unknown>) =>
    server.app.inject({
      method,
      url: '/api/v2/userpools/settings',
      headers: await server.adminHeaders(),
      ...(payload === undefined ? {} : { payload }),
    });

  const register = (
    payload: Record<string, unknown>,
    headers: Record<string, string> = { 'x-authing-app-id': appId },
    remoteAddress = address(),
  ) => server.app.inject({ method: 'POST', url: '/api/v2/register/email', headers, payload, remoteAddress });

  const signInStatus = async (account: string, password: string) =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        headers: { 'x-authing-app-id': appId },
        payload: { account, password },
      })
    ).statusCode;

  const fresh = () => `new-${Math.random().toString(16).slice(2, 10)}@example.com`;

  it('is off by default: /signup is a 404 page, the API refuses, /login does not offer it', async () => {
    expect((await settings('GET')).json().data).toEqual({
      userPoolId: server.pool.id,
      name: expect.any(String),
      signUpEnabled: false,
    });
    const browser = pageClient(server);
    const page = await browser.get('/signup');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('This user pool does not take sign-ups');
    const login = await browser.get('/login');
    expect(login.body).not.toContain('Create an account');
    // A post made anyway (with a valid form token from /login) creates nothing.
    const email = fresh();
    const posted = await browser.submit('/login', '/signup', {
      email,
      password: 'long enough pw',
      confirm_password: 'long enough pw',
    });
    expect(posted.statusCode).toBe(404);

    const refused = await register({ email, password: 'long enough pw' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ code: 4031, message: 'Sign-up is turned off for this user pool' });
    expect(await signInStatus(email, 'long enough pw')).toBe(401);
  });

  it('the pool administrator switches it (GET/PATCH /api/v2/userpools/settings)', async () => {
    const bad = await settings('PATCH', { signUpEnabled: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('body/signUpEnabled');
    const anonymous = await server.app.inject({
      method: 'PATCH',
      url: '/api/v2/userpools/settings',
      payload: { signUpEnabled: true },
    });
    expect(anonymous.statusCode).toBe(401);
    const on = await settings('PATCH', { signUpEnabled: true });
    expect(on.statusCode).toBe(200);
    expect(on.json().data.signUpEnabled).toBe(true);
    expect((await settings('GET')).json().data.signUpEnabled).toBe(true);
    // Another pool keeps its own setting: off.
    const other = accepted(await server.services.pools.create({ name: 'Other' }));
    expect((await pageClient(server).get(`/signup?pool=${other.pool.id}`)).statusCode).toBe(404);
  });

  describe('with sign-up on', () => {
    beforeAll(async () => {
      expect((await settings('PATCH', { signUpEnabled: true })).statusCode).toBe(200);
    });

    it('/login links to it; the page has the sign-in look, CSRF and a way back to sign in', async () => {
      const browser = pageClient(server);
      const login = await browser.get('/login?return_to=/u/');
      expect(login.body).toContain('<a href="/signup?return_to=/u/">Create an account</a>');
      const page = await browser.get('/signup?return_to=/u/');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<h1>Create an account</h1>');
      expect(page.body).toContain('<input type="hidden" name="csrf"');
      expect(page.body).toContain('<label for="email">Email</label>');
      expect(page.body).toContain('<label for="password">Password</label>');
      expect(page.body).toContain('<label for="confirm-password">Confirm password</label>');
      expect(page.body).toContain('<a href="/login?return_to=/u/">Sign in</a>');
      expect(page.headers['content-security-policy']).toContain("form-action 'self'");
      expect(page.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    });

    it('creates the account, signs the browser in and goes on to return_to', async () => {
      const browser = pageClient(server);
      const email = fresh();
      const ip = address();
      const res = await browser.submit(
        '/signup?return_to=/u/',
        '/signup',
        {
          email: email.toUpperCase(),
          name: 'Ada Lovelace',
          password: 'analytical engine',
          confirm_password: 'analytical engine',
          return_to: '/u/',
        },
        { remoteAddress: ip },
      );
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/u/');
      expect(browser.cookie('signoff_session')).toBeDefined();
      const center = await browser.get('/u');
      expect(center.statusCode).toBe(200);
      expect(center.body).toContain('Ada Lovelace');
      expect(center.body).toContain(email);
      // The browser's session is a real one: the end-user API knows it, and the password signs in.
      const me = await server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: { cookie: browser.cookieHeader() },
      });
      expect(me.json().data).toMatchObject({ email, name: 'Ada Lovelace' });
      expect(await signInStatus(email, 'analytical engine')).toBe(200);
    });

    it('goes on into an OIDC sign-in it was sent from', async () => {
      const browser = pageClient(server);
      const returnTo = '/oidc/interaction/abc123';
      const res = await browser.submit(
        `/signup?return_to=${returnTo}`,
        '/signup',
        {
          email: fresh(),
          password: 'oidc sign up pw',
          confirm_password: 'oidc sign up pw',
          return_to: returnTo,
        },
        { remoteAddress: address() },
      );
      expect(res.headers.location).toBe(returnTo);
    });

    it('an email that already has an account: the clear error, with the way to sign in', async () => {
      const browser = pageClient(server);
      const res = await browser.submit(
        '/signup',
        '/signup',
        {
          email: existing.email.toUpperCase(),
          password: 'another password',
          confirm_password: 'another password',
        },
        { remoteAddress: address() },
      );
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain(
        'An account with this email already exists — <a href="/login?return_to=/u">sign in instead</a>.',
      );
      expect(res.body).toMatch(/id="email"[^>]* aria-invalid="true"/);
      expect(browser.cookie('signoff_session')).toBeUndefined();
      // The existing account is untouched.
      expect(await signInStatus(existing.email, existing.password)).toBe(200);
      expect(await signInStatus(existing.email, 'another password')).toBe(401);
    });

    it('says what to fix: passwords that differ, a short password, not an email, an expired form', async () => {
      const browser = pageClient(server);
      const ip = address();
      const post = (fields: Record<string, string>) =>
        browser.submit('/signup', '/signup', fields, { remoteAddress: ip });
      const email = fresh();
      const mismatch = await post({ email, password: 'first version', confirm_password: 'second version' });
      expect(mismatch.statusCode).toBe(400);
      expect(mismatch.body).toContain('The passwords do not match.');
      expect(mismatch.body).toContain(`value="${email}"`);
      const short = await post({ email, password: 'short', confirm_password: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.body).toContain('The password must be at least 8 characters.');
      const notEmail = await post({
        email: 'nobody',
        password: 'long enough pw',
        confirm_password: 'long enough pw',
      });
      expect(notEmail.statusCode).toBe(400);
      expect(notEmail.body).toContain('The email must be an email address.');
      const empty = await post({ email: '', password: '', confirm_password: '' });
      expect(empty.statusCode).toBe(400);
      const forged = await browser.post('/signup', {
        email,
        password: 'long enough pw',
        confirm_password: 'long enough pw',
      });
      expect(forged.statusCode).toBe(403);
      expect(forged.body).toContain('This form has expired');
      expect(await signInStatus(email, 'long enough pw')).toBe(401);
    });

    it('the API creates the user (Authing: the user is the answer), named by the app or the pool', async () => {
      const email = fresh();
      const res = await register({
        email: email.toUpperCase(),
        password: 'api sign up pw',
        name: 'Grace',
        username: email.split('@')[0],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        code: 200,
        data: {
          id: expect.any(String),
          userPoolId: server.pool.id,
          email,
          name: 'Grace',
          username: email.split('@')[0],
        },
      });
      expect(res.json().data).not.toHaveProperty('passwordHash');
      expect(await signInStatus(email, 'api sign up pw')).toBe(200);

      const again = await register({ email, password: 'api sign up pw' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toEqual({
        code: 4090,
        message: 'An account with this email already exists — sign in instead',
      });

      const byPool = await register(
        { email: fresh(), password: 'pool header pw' },
        { 'x-authing-userpool-id': server.pool.id },
      );
      expect(byPool.statusCode).toBe(200);
      expect((await register({ email: fresh(), password: 'no header pw' }, {})).statusCode).toBe(400);
      const unknownApp = await register(
        { email: fresh(), password: 'unknown app pw' },
        { 'x-authing-app-id': 'ffffffffffffffffffffffff' },
      );
      expect(unknownApp.json().code).toBe(2011);
      const wrongPool = await register(
        { email: fresh(), password: 'wrong pool pw' },
        { 'x-authing-app-id': appId, 'x-authing-userpool-id': 'another-pool' },
      );
      expect(wrongPool.json().code).toBe(2011);
      const short = await register({ email: fresh(), password: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.json().message).toContain('body/password');
      // JSON only, like every /api route: no cross-site form reaches it.
      const form = await server.app.inject({
        method: 'POST',
        url: '/api/v2/register/email',
        headers: { 'x-authing-app-id': appId, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `email=${fresh()}&password=form+post+pw`,
      });
      expect(form.statusCode).toBe(415);
    });

    it('is throttled per address, the page and the API counting together', async () => {
      const ip = address();
      // Existing emails and new accounts both count.
      expect(
        (await register({ email: existing.email, password: 'probing pw 1' }, undefined, ip)).statusCode,
      ).toBe(409);
      expect((await register({ email: fresh(), password: 'bulk account 1' }, undefined, ip)).statusCode).toBe(
        200,
      );
      const browser = pageClient(server);
      for (let i = 0; i < PER_ADDRESS - 2; i++) {
        const res = await browser.submit(
          '/signup',
          '/signup',
          { email: existing.email, password: 'probing pw 2', confirm_password: 'probing pw 2' },
          { remoteAddress: ip },
        );
        expect(res.statusCode).toBe(409);
      }
      const api = await register({ email: fresh(), password: 'one too many' }, undefined, ip);
      expect(api.statusCode).toBe(429);
      expect(api.json().code).toBe(4290);
      expect(Number(api.headers['retry-after'])).toBeGreaterThan(0);
      const page = await browser.submit(
        '/signup',
        '/signup',
        { email: fresh(), password: 'one too many', confirm_password: 'one too many' },
        { remoteAddress: ip },
      );
      expect(page.statusCode).toBe(429);
      expect(page.body).toContain('Too many sign-ups from this network');
      expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
      // Another address is not held back.
      expect((await register({ email: fresh(), password: 'elsewhere pw' })).statusCode).toBe(200);
    });

    it('switched off again: refused again', async () => {
      expect((await settings('PATCH', { signUpEnabled: false })).json().data.signUpEnabled).toBe(false);
      expect((await pageClient(server).get('/signup')).statusCode).toBe(404);
      expect((await register({ email: fresh(), password: 'after off pw' })).statusCode).toBe(403);
      expect((await pageClient(server).get('/login')).body).not.toContain('Create an account');
    });
  });
});
