import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

describe('management API', () => {
  let server: TestServer;
  let headers: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.adminHeaders();
  });
  afterAll(() => server.close());

  const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, h = headers) =>
    server.app.inject({ method, url, headers: h, ...(payload ? { payload } : {}) });

  describe('pool administrator token', () => {
    it('GET and POST give a JWT with exp for the right secret', async () => {
      const get = await server.app.inject({
        method: 'GET',
        url: `/api/v2/userpools/accessToken?userPoolId=${server.pool.id}&secret=${server.pool.secret}`,
      });
      expect(get.statusCode).toBe(200);
      const data = get.json().data;
      expect(get.json().code).toBe(200);
      expect(decodeJwt(data.accessToken)).toMatchObject({
        exp: data.exp,
        iat: data.iat,
        sub: server.pool.id,
      });
      const post = await server.app.inject({
        method: 'POST',
        url: '/api/v2/userpools/accessToken',
        payload: { userPoolId: server.pool.id, secret: server.pool.secret },
      });
      expect(post.statusCode).toBe(200);
    });

    it('refuses a wrong secret and an unknown pool alike (403 1001: which pools exist is not told), and a missing field (400)', async () => {
      const wrong = await server.app.inject({
        method: 'POST',
        url: '/api/v2/userpools/accessToken',
        payload: { userPoolId: server.pool.id, secret: 'not-the-secret' },
      });
      expect([wrong.statusCode, wrong.json().code]).toEqual([403, 1001]);
      const unknown = await server.app.inject({
        method: 'POST',
        url: '/api/v2/userpools/accessToken',
        payload: { userPoolId: 'no-such-pool', secret: 'x' },
      });
      expect([unknown.statusCode, unknown.json()]).toEqual([wrong.statusCode, wrong.json()]);
      const missing = await server.app.inject({
        method: 'POST',
        url: '/api/v2/userpools/accessToken',
        payload: { userPoolId: server.pool.id },
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({ code: 4000, message: expect.stringContaining('secret') });
    });

    it('an end-user token is never an admin token, and management needs the pool header', async () => {
      const { app, user } = await createAppAndUser(server);
      const { token } = await login(server, app.id, user.username, user.password);
      const res = await inject('GET', '/api/v2/applications', undefined, {
        authorization: `Bearer ${token}`,
        'x-authing-userpool-id': server.pool.id,
      });
      expect([res.statusCode, res.json().code]).toEqual([403, 1001]);
      const noHeader = await inject('GET', '/api/v2/applications', undefined, {
        authorization: headers.authorization!,
      });
      expect(noHeader.statusCode).toBe(400);
      expect(noHeader.json().message).toContain('x-authing-userpool-id');
      const noToken = await inject('GET', '/api/v2/applications', undefined, {});
      expect([noToken.statusCode, noToken.json().code]).toEqual([401, 2020]);
      // An admin token is not a login either.
      const asUser = await server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: { authorization: headers.authorization! },
      });
      expect([asUser.statusCode, asUser.json().code]).toEqual([401, 2020]);
    });
  });

  describe('applications', () => {
    it('create shows the secret once; list, get, patch and delete', async () => {
      const created = await inject('POST', '/api/v2/applications', {
        name: 'Shop',
        identifier: 'shop',
        redirectUris: ['https://shop.example.com/callback'],
        logoutRedirectUris: ['https://shop.example.com/bye'],
        backchannelLogoutUri: 'https://shop.example.com/backchannel',
      });
      expect(created.statusCode).toBe(200);
      const app = created.json().data;
      expect(app).toMatchObject({
        name: 'Shop',
        identifier: 'shop',
        userPoolId: server.pool.id,
        logoutRedirectUris: ['https://shop.example.com/bye'],
        secret: expect.any(String),
      });
      const got = (await inject('GET', `/api/v2/applications/${app.id}`)).json().data;
      expect(got.secret).toBeUndefined();
      expect(
        (await inject('GET', '/api/v2/applications')).json().data.map((a: { id: string }) => a.id),
      ).toContain(app.id);
      const patched = await inject('PATCH', `/api/v2/applications/${app.id}`, {
        logoutRedirectUris: ['https://shop.example.com/logged-out'],
      });
      expect(patched.json().data.logoutRedirectUris).toEqual(['https://shop.example.com/logged-out']);
      expect((await inject('DELETE', `/api/v2/applications/${app.id}`)).statusCode).toBe(200);
      const gone = await inject('GET', `/api/v2/applications/${app.id}`);
      expect([gone.statusCode, gone.json().code]).toEqual([404, 2011]);
    });

    it('rotating the secret: the new one is shown once and signs in at the token endpoint, the old one no longer', async () => {
      const created = (await inject('POST', '/api/v2/applications', { name: 'Rotated' })).json().data;
      const grant = (secret: string) =>
        server.app.inject({
          method: 'POST',
          url: '/oidc/token',
          headers: {
            authorization: `Basic ${Buffer.from(`${created.id}:${secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          payload: 'grant_type=client_credentials&scope=ssf',
        });
      expect((await grant(created.secret)).statusCode).toBe(200);

      const rotated = await inject('POST', `/api/v2/applications/${created.id}/secret`);
      expect(rotated.statusCode).toBe(200);
      const { secret } = rotated.json().data;
      expect(rotated.json().data).toMatchObject({ id: created.id, name: 'Rotated' });
      expect(secret).toEqual(expect.any(String));
      expect(secret).not.toBe(created.secret);
      expect((await grant(created.secret)).statusCode).toBe(401);
      expect((await grant(secret)).statusCode).toBe(200);
      expect((await inject('GET', `/api/v2/applications/${created.id}`)).json().data.secret).toBeUndefined();
      const unknown = await inject('POST', '/api/v2/applications/no-such-app/secret');
      expect([unknown.statusCode, unknown.json().code]).toEqual([404, 2011]);
    });

    it('an app is a confidential OIDC client by default; tokenEndpointAuthMethod makes it public or back', async () => {
      const created = await inject('POST', '/api/v2/applications', { name: 'Web' });
      expect(created.json().data.tokenEndpointAuthMethod).toBe('client_secret_basic');
      const id = created.json().data.id as string;
      const spa = await inject('POST', '/api/v2/applications', {
        name: 'SPA',
        tokenEndpointAuthMethod: 'none',
      });
      expect(spa.json().data.tokenEndpointAuthMethod).toBe('none');
      const patched = await inject('PATCH', `/api/v2/applications/${id}`, {
        tokenEndpointAuthMethod: 'client_secret_post',
      });
      expect(patched.json().data.tokenEndpointAuthMethod).toBe('client_secret_post');
      const refused = await inject('PATCH', `/api/v2/applications/${id}`, {
        tokenEndpointAuthMethod: 'client_secret_jwt',
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({
        code: 4000,
        message: 'body/tokenEndpointAuthMethod must be one of client_secret_basic, client_secret_post, none',
      });
      expect((await inject('GET', `/api/v2/applications/${id}`)).json().data.tokenEndpointAuthMethod).toBe(
        'client_secret_post',
      );
    });

    it('rejects unsafe or malformed URIs with a 400 naming the field, writing nothing', async () => {
      const before = (await inject('GET', '/api/v2/applications')).json().data.length;
      for (const [body, field] of [
        [{ name: 'x', logoutRedirectUris: ['javascript:alert(1)'] }, 'body/logoutRedirectUris/0'],
        [
          { name: 'x', logoutRedirectUris: ['https://ok.example/', '/relative'] },
          'body/logoutRedirectUris/1',
        ],
        [{ name: 'x', redirectUris: ['https://a.example/cb#frag'] }, 'body/redirectUris/0'],
        [{ name: 'x', backchannelLogoutUri: 'com.example.app:/bc' }, 'body/backchannelLogoutUri'],
        [{ name: 'x', redirectUris: ['https://user:pw@a.example/cb'] }, 'body/redirectUris/0'],
        [{ name: '' }, 'name'],
        [{ name: 'x', unknown: 1 }, 'unknown'],
        [{ name: 'x', redirectUris: 'https://a.example' }, 'redirectUris'],
      ] as const) {
        const res = await inject('POST', '/api/v2/applications', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().code).toBe(4000);
        expect(res.json().message).toContain(field);
      }
      expect((await inject('GET', '/api/v2/applications')).json().data.length).toBe(before);
    });

    it('deleting an app ends the sessions signed in to it', async () => {
      const { app, user } = await createAppAndUser(server);
      const { token } = await login(server, app.id, user.username, user.password);
      await inject('DELETE', `/api/v2/applications/${app.id}`);
      const me = await server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.statusCode).toBe(401);
    });
  });

  describe('users and sessions', () => {
    it('creates users; duplicate username or email is 409; bad input is 400 naming the field', async () => {
      const ok = await inject('POST', '/api/v2/users', {
        username: 'bob',
        email: 'Bob@Example.com',
        password: 'password123',
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().data).toMatchObject({
        username: 'bob',
        email: 'bob@example.com',
        userPoolId: server.pool.id,
      });
      expect(JSON.stringify(ok.json())).not.toMatch(/password|argon/i);
      const dupe = await inject('POST', '/api/v2/users', {
        email: 'bob@example.com',
        password: 'password123',
      });
      expect([dupe.statusCode, dupe.json().code]).toEqual([409, 4090]);
      expect(dupe.json().message).toContain('email');
      const short = await inject('POST', '/api/v2/users', { username: 'carol', password: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.json().message).toContain('password');
      const nameless = await inject('POST', '/api/v2/users', { password: 'password123' });
      expect(nameless.statusCode).toBe(400);
      expect(nameless.json().message).toMatch(/username|email/);
      const missing = await inject('GET', '/api/v2/users/000000000000000000000000');
      expect([missing.statusCode, missing.json().code]).toEqual([404, 2004]);
    });

    it("lists a user's sessions with device and apps, and ends one by sid", async () => {
      const { app, user } = await createAppAndUser(server);
      const { token } = await login(server, app.id, user.username, user.password);
      const list = await inject('GET', `/api/v2/users/${user.id}/sessions`);
      expect(list.statusCode).toBe(200);
      const [session] = list.json().data;
      expect(session).toMatchObject({
        userId: user.id,
        ip: '127.0.0.1',
        device: { browser: expect.stringContaining('Chrome'), os: 'Linux' },
        apps: [{ appId: app.id }],
      });
      const ended = await inject('DELETE', `/api/v2/sessions/${session.sid}`);
      expect(ended.json()).toMatchObject({ code: 200, data: { ended: 1 } });
      const me = await server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.statusCode).toBe(401);
      expect((await inject('GET', `/api/v2/users/${user.id}/sessions`)).json().data).toEqual([]);
      const again = await inject('DELETE', '/api/v2/sessions/does-not-exist');
      expect([again.statusCode, again.json().code]).toEqual([404, 4041]);
    });

    it('deleting a user ends their sessions', async () => {
      const { app, user } = await createAppAndUser(server);
      const { token } = await login(server, app.id, user.username, user.password);
      expect((await inject('DELETE', `/api/v2/users/${user.id}`)).statusCode).toBe(200);
      const me = await server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.statusCode).toBe(401);
      const relogin = await server.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        headers: { 'x-authing-app-id': app.id },
        payload: { account: user.username, password: user.password },
      });
      expect(relogin.statusCode).toBe(401);
    });
  });

  describe('HTTP hygiene', () => {
    it('unknown routes, malformed JSON and oversized bodies get coded errors without internals', async () => {
      const unknown = await server.app.inject({ method: 'GET', url: '/api/v2/nothing-here' });
      expect([unknown.statusCode, unknown.json().code]).toEqual([404, 4040]);
      const malformed = await server.app.inject({
        method: 'POST',
        url: '/api/v2/users',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: '{"username": ',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.body).not.toMatch(/at .*\.ts:\d+/);
      const huge = await server.app.inject({
        method: 'POST',
        url: '/api/v2/users',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'x'.repeat(300 * 1024), password: 'password123' }),
      });
      expect([huge.statusCode, huge.json().code]).toEqual([413, 4130]);
    });

    it('serves /health and an OpenAPI document listing the contract routes', async () => {
      expect((await server.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
      const doc = (await server.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v2/userpools/accessToken',
          '/api/v2/applications',
          '/api/v2/users',
          '/api/v2/login/account',
          '/api/v2/logout',
          '/api/v2/users/me/sessions',
          '/query/api/v1/{apiKey}/auth/login',
        ]),
      );
    });
  });
});
