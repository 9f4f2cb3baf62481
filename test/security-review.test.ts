// Issue 10 part 1: the findings of a security review, each as the attack that got somewhere
// before its fix, in process (app.inject) against a real store.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../src/domain/notices/private-address.ts';
import { csrfOf, pageClient } from './helpers/page-client.ts';
import {
  accepted,
  createAppAndUser,
  getMe,
  login,
  startTestServer,
  type TestServer,
} from './helpers/server.ts';

describe('security review (issue 10)', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let app: { id: string; secret: string };
  let user: { id: string; username: string; password: string };

  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.adminHeaders();
    const created = await createAppAndUser(server, { name: 'App', redirectUris: ['https://app.example/cb'] });
    app = created.app;
    user = created.user;
  });
  afterAll(() => server.close());

  it('2. /api/** takes JSON only: a cross-site form cannot sign a browser in (415, nothing set)', async () => {
    for (const url of ['/api/v2/login/account', `/query/api/v1/${app.id}/auth/login`]) {
      const res = await server.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-authing-app-id': app.id },
        payload: new URLSearchParams({
          account: user.username,
          email: user.username,
          password: user.password,
        }).toString(),
      });
      expect(res.statusCode, url).toBe(415);
      expect(
        res.cookies.find((c) => c.name === 'signoff_session'),
        url,
      ).toBeUndefined();
      expect(res.body, url).toContain('application/json');
    }
    const plain = await server.app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers: { ...headers, 'content-type': 'text/plain' },
      payload: '{"username":"x","password":"long enough"}',
    });
    expect(plain.statusCode).toBe(415);
    expect(plain.json()).toEqual({ code: 4150, message: expect.stringContaining('application/json') });
    // JSON still works, and a body-less POST (the SDK's logout) too.
    const signedIn = await login(server, app.id, user.username, user.password);
    const logout = await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${signedIn.token}` },
    });
    expect(logout.statusCode).toBe(200);
  });

  it('5. registered URIs with a control character (CR, LF, TAB…) are refused naming the field', async () => {
    for (const [field, value] of [
      ['redirectUris', ['https://app.example/cb\r\nSet-Cookie: x=y']],
      ['logoutRedirectUris', ['https://app.example/\tbye']],
      ['backchannelLogoutUri', 'https://app.example/bc\n'],
    ] as const) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v2/applications',
        headers,
        payload: { name: 'Bad', [field]: value },
      });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().message, field).toMatch(
        new RegExp(`^body/${field}(/0)? must not contain control characters`),
      );
    }
  });

  it('6. usernames are NFC-normalised; control and invisible characters are refused, saying which rule', async () => {
    for (const [username, rule] of [
      ['ali\u200bce', 'invisible'],
      ['bob\u0000', 'control'],
      ['eve\ud800', 'surrogate'],
      ['mallory\u202e', 'invisible'],
    ] as const) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v2/users',
        headers,
        payload: { username, password: 'correct horse battery' },
      });
      expect(res.statusCode, JSON.stringify(username)).toBe(400);
      expect(res.json().message).toContain('body/username');
      expect(res.json().message).toContain(rule);
    }
    // Composed and decomposed forms are one user.
    const composed = await server.app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers,
      payload: { username: 'jos\u00e9', password: 'correct horse battery' },
    });
    expect(composed.json().data.username).toBe('jos\u00e9');
    const decomposed = await server.app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers,
      payload: { username: 'jose\u0301', password: 'correct horse battery' },
    });
    expect(decomposed.statusCode).toBe(409);
    expect((await login(server, app.id, 'jose\u0301', 'correct horse battery')).token).toBeTruthy();
  });

  it('7. GET /api/v2/logout may end this session only: scope=others or global needs POST, and ends nothing', async () => {
    const one = await login(server, app.id, user.username, user.password);
    const two = await login(server, app.id, user.username, user.password);
    for (const scope of ['others', 'global']) {
      const res = await server.app.inject({
        method: 'GET',
        url: `/api/v2/logout?scope=${scope}`,
        headers: { cookie: one.cookie },
      });
      expect(res.statusCode, scope).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.json().code).toBe(4050);
    }
    expect((await getMe(server, one.token)).statusCode).toBe(200);
    expect((await getMe(server, two.token)).statusCode).toBe(200);
    const local = await server.app.inject({
      method: 'GET',
      url: '/api/v2/logout',
      headers: { cookie: one.cookie },
    });
    expect(local.statusCode).toBe(200);
    expect((await getMe(server, one.token)).statusCode).toBe(401);
    expect((await getMe(server, two.token)).statusCode).toBe(200);
  });

  it('10. the pool token route answers an unknown pool and a wrong secret alike, and is throttled', async () => {
    const ask = (userPoolId: string, secret: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v2/userpools/accessToken',
        payload: { userPoolId, secret },
      });
    const unknown = await ask('ffffffffffffffffffffffff', 'whatever-secret');
    const wrong = await ask(server.pool.id, 'not-the-secret');
    expect([unknown.statusCode, unknown.json()]).toEqual([wrong.statusCode, wrong.json()]);
    expect(wrong.statusCode).toBe(403);
    let throttled = null;
    for (let i = 0; i < 40 && !throttled; i++) {
      const res = await ask(server.pool.id, `guess-${i}`);
      if (res.statusCode === 429) throttled = res;
    }
    expect(throttled?.json().code).toBe(4290);
    expect(Number(throttled?.headers['retry-after'])).toBeGreaterThan(0);
    // Throttled, even the right secret waits: a guesser learns nothing from a late success.
    expect((await ask(server.pool.id, server.pool.secret)).statusCode).toBe(429);
  });

  it('12. malformed URLs get the error envelope with a numeric code', async () => {
    for (const url of ['/api/v2/applications/%', '/api/v2/users/%zz']) {
      const res = await server.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual({ code: 4000, message: expect.stringMatching(/URL/) });
    }
    const page = await server.app.inject({ method: 'GET', url: '/login/profile/logout%' });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });

  it('14. the private-address guard covers IPv4-translated and local-use NAT64 addresses', () => {
    for (const address of [
      '::ffff:0:10.0.0.1',
      '::ffff:0:127.0.0.1',
      '64:ff9b:1::a00:1',
      '64:ff9b:1:0:0:0:7f00:1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    expect(isPrivateAddress('64:ff9b::5db8:d822')).toBe(false); // 93.184.216.34 through NAT64
  });

  it('15. unknown fields in request bodies are refused, as the app and user bodies are', async () => {
    for (const [url, payload] of [
      ['/api/v2/users/kick', { userIds: [user.id], force: true }],
      [`/api/v2/applications/${app.id}/kick-active-users`, { userIds: [user.id], everywhere: true }],
      [`/api/v2/applications/${app.id}/logout-deliveries/replay`, { all: true }],
    ] as const) {
      const res = await server.app.inject({ method: 'POST', url, headers, payload });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toMatch(/is not allowed$/);
    }
    const loginExtra = await server.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      headers: { 'x-authing-app-id': app.id },
      payload: { account: user.username, password: user.password, remember: true },
    });
    expect(loginExtra.statusCode).toBe(400);
  });

  it('8. only an ID token is an id_token_hint; an expired one names the client but does not skip the confirmation', async () => {
    const end = (query: Record<string, string>, cookie: string) =>
      server.app.inject({
        method: 'GET',
        url: `/oidc/session/end?${new URLSearchParams(query)}`,
        headers: { cookie },
      });
    // An access token of the API is no hint: refused, and the session goes on.
    const signedIn = await login(server, app.id, user.username, user.password);
    const asHint = await end({ id_token_hint: signedIn.token }, signedIn.cookie);
    expect(asHint.statusCode).toBe(400);
    expect(asHint.body).toContain('not an ID token');
    expect((await getMe(server, signedIn.token)).statusCode).toBe(200);

    // An expired ID token (signed by the pool, as the provider signs them): asked first.
    const key = server.services.keys.signingKey(server.pool.id)!;
    const sid = (
      server.services.tokens.verifyAccessToken(signedIn.token) as { claims: { sessionId: string } }
    ).claims.sessionId;
    const expired = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(server.services.issuerOf(server.pool.id))
      .setSubject(user.id)
      .setAudience(app.id)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(key.privateKey);
    const asked = await end({ id_token_hint: expired }, signedIn.cookie);
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Sign out?');
    expect(asked.body).toContain('App asks to sign you out');
    expect((await getMe(server, signedIn.token)).statusCode).toBe(200);
  });

  it('11. a logout redirect is followed only for an app of the pool whose session ends (or, without one, of the default pool)', async () => {
    const other = await server.services.pools.create({ name: 'Q' });
    if (!other.ok) throw new Error('pool Q');
    const q = accepted(
      await server.services.apps.create(other.pool.id, {
        name: 'Q app',
        logoutRedirectUris: ['https://q.example/bye'],
      }),
    );
    for (const url of [
      `/login/profile/logout?app_id=${q.app.id}&redirect_uri=${encodeURIComponent('https://q.example/bye')}`,
      `/v1/logout?clientId=${q.app.id}&postLogoutRedirectUri=${encodeURIComponent('https://q.example/bye')}`,
    ]) {
      const signedIn = await login(server, app.id, user.username, user.password);
      const res = await server.app.inject({ method: 'GET', url, headers: { cookie: signedIn.cookie } });
      expect(res.headers.location, url).toBeUndefined();
      expect(res.statusCode, url).toBe(400);
      expect((await getMe(server, signedIn.token)).statusCode, url).toBe(401); // the logout still happened
      // No session at all: pool Q's addresses are not followed either.
      const anonymous = await server.app.inject({ method: 'GET', url });
      expect(anonymous.headers.location, `${url} without a session`).toBeUndefined();
    }
  });

  it('13. a CSRF token is bound to its session: another browser’s pair is refused', async () => {
    const signIn = async () => {
      const browser = pageClient(server);
      const res = await browser.submit('/login', '/login', {
        account: user.username,
        password: user.password,
      });
      expect(res.statusCode).toBe(303);
      return browser;
    };
    const victim = await signIn();
    const attacker = await signIn();
    const attackerToken = csrfOf((await attacker.get('/u')).body);
    // The attacker's own pair, planted into the victim's browser (a sibling domain can set it).
    victim.setCookie('signoff_csrf', attacker.cookie('signoff_csrf')!);
    const forged = await victim.post('/u/logout', { csrf: attackerToken });
    expect(forged.statusCode).toBe(403);
    expect((await victim.get('/u')).statusCode).toBe(200); // still signed in
    // The victim's own form still works.
    expect((await victim.submit('/u', '/u/logout', {})).statusCode).toBe(303);
  });

  it('4. behind one proxy (SIGNOFF_TRUST_PROXY=1) the client cannot choose its address', async () => {
    const proxied = await startTestServer({ trustProxy: 1 });
    try {
      const made = await createAppAndUser(proxied, { name: 'P' });
      const res = await proxied.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        remoteAddress: '10.0.0.2', // the proxy
        headers: { 'x-authing-app-id': made.app.id, 'x-forwarded-for': '6.6.6.6, 203.0.113.7' },
        payload: { account: made.user.username, password: made.user.password },
      });
      expect(res.statusCode).toBe(200);
      const sessions = await proxied.app.inject({
        method: 'GET',
        url: '/api/v2/users/me/sessions',
        headers: { authorization: `Bearer ${res.json().data.token}` },
      });
      // What the nearest proxy saw, not what the client wrote first.
      expect(sessions.json().data[0].ip).toBe('203.0.113.7');
    } finally {
      await proxied.close();
    }
  });
});
