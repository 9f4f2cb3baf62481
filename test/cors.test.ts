// CORS of the end-user API (src/http/cors.ts): a registered origin with credentials, any other
// origin `*` without them, and nothing at all on the management routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

describe('CORS of the end-user API', () => {
  let server: TestServer;
  const registered = 'https://shop.example.com';
  let fixture: Awaited<ReturnType<typeof createAppAndUser>>;

  beforeAll(async () => {
    server = await startTestServer();
    fixture = await createAppAndUser(server, { redirectUris: [`${registered}/callback`] });
  });
  afterAll(() => server.close());

  const preflight = (url: string, origin: string) =>
    server.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  for (const url of [
    '/api/v2/login/account',
    '/api/v2/register/email',
    '/api/v2/users/me/password',
    '/api/v2/logout',
  ]) {
    it(`${url}: a registered origin, with credentials`, async () => {
      const res = await preflight(url, registered);
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(registered);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-allow-headers']).toContain('content-type');
    });

    it(`${url}: another origin, * without credentials`, async () => {
      const res = await preflight(url, 'https://elsewhere.example');
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });
  }

  it('a sign-in from another origin is answered with the CORS header, and signs in', async () => {
    const { app, user } = fixture;
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      headers: { origin: 'https://elsewhere.example', 'x-authing-app-id': app.id },
      payload: { account: user.username, password: user.password },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.json().data.token).toEqual(expect.any(String));
  });

  it('the management API answers no cross-origin request', async () => {
    const res = await preflight('/api/v2/users/kick', registered);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const list = await server.app.inject({
      method: 'GET',
      url: '/api/v2/applications',
      headers: { ...(await server.adminHeaders()), origin: registered },
    });
    expect(list.statusCode).toBe(200);
    expect(list.headers['access-control-allow-origin']).toBeUndefined();
  });
});
