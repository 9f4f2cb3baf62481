// Issue 10 part 1: the findings of a security review, each as the attack that got somewhere
// before its fix, in process (app.inject) against a real store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../src/domain/logout/private-address.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

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
});
