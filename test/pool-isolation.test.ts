// Pools never mix (DESIGN.md principle 5): a token, an id or a header of one pool reaches
// nothing of another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

describe('pool isolation', () => {
  let server: TestServer;
  let p: { headers: Record<string, string>; appId: string; userId: string; token: string; sid: string };
  let q: { headers: Record<string, string>; poolId: string };

  beforeAll(async () => {
    server = await startTestServer();
    const { app, user } = await createAppAndUser(server);
    const { token } = await login(server, app.id, user.username, user.password);
    const headers = await server.adminHeaders();
    const sessions = await server.app.inject({
      method: 'GET',
      url: `/api/v2/users/${user.id}/sessions`,
      headers,
    });
    p = { headers, appId: app.id, userId: user.id, token, sid: sessions.json().data[0].sid };

    const other = await server.services.pools.create({
      name: 'Other pool',
      secret: 'other-pool-secret-0123456789',
    });
    if (!other.ok) throw new Error('pool');
    const tokenRes = await server.app.inject({
      method: 'POST',
      url: '/api/v2/userpools/accessToken',
      payload: { userPoolId: other.pool.id, secret: 'other-pool-secret-0123456789' },
    });
    q = {
      poolId: other.pool.id,
      headers: {
        authorization: `Bearer ${tokenRes.json().data.accessToken}`,
        'x-authing-userpool-id': other.pool.id,
      },
    };
  });
  afterAll(() => server.close());

  const me = (token: string, extra: Record<string, string> = {}) =>
    server.app.inject({
      method: 'GET',
      url: '/api/v2/users/me',
      headers: { authorization: `Bearer ${token}`, ...extra },
    });

  it("another pool's admin token with this pool's header is refused (403 1001)", async () => {
    for (const [method, url] of [
      ['GET', '/api/v2/applications'],
      ['GET', `/api/v2/applications/${p.appId}`],
      ['GET', `/api/v2/users/${p.userId}`],
      ['GET', `/api/v2/users/${p.userId}/sessions`],
      ['DELETE', `/api/v2/sessions/${p.sid}`],
      ['DELETE', `/api/v2/users/${p.userId}`],
      ['DELETE', `/api/v2/applications/${p.appId}`],
    ] as const) {
      const res = await server.app.inject({
        method,
        url,
        headers: { ...q.headers, 'x-authing-userpool-id': server.pool.id },
      });
      expect([res.statusCode, res.json().code], `${method} ${url}`).toEqual([403, 1001]);
    }
  });

  it("another pool's admin, in its own pool, finds none of this pool's things", async () => {
    for (const [method, url, code] of [
      ['GET', `/api/v2/applications/${p.appId}`, 2011],
      ['PATCH', `/api/v2/applications/${p.appId}`, 2011],
      ['DELETE', `/api/v2/applications/${p.appId}`, 2011],
      ['GET', `/api/v2/users/${p.userId}`, 2004],
      ['GET', `/api/v2/users/${p.userId}/sessions`, 2004],
      ['DELETE', `/api/v2/users/${p.userId}`, 2004],
      ['DELETE', `/api/v2/sessions/${p.sid}`, 4041],
    ] as const) {
      const res = await server.app.inject({
        method,
        url,
        headers: q.headers,
        ...(method === 'PATCH' ? { payload: { name: 'stolen' } } : {}),
      });
      expect([res.statusCode, res.json().code], `${method} ${url}`).toEqual([404, code]);
    }
    const list = await server.app.inject({ method: 'GET', url: '/api/v2/applications', headers: q.headers });
    expect(list.json().data).toEqual([]);
    // And nothing of this pool was touched.
    expect((await me(p.token)).statusCode).toBe(200);
    const app = await server.app.inject({
      method: 'GET',
      url: `/api/v2/applications/${p.appId}`,
      headers: p.headers,
    });
    expect(app.json().data.name).toBe('Test app');
  });

  it('a user token is never accepted in another pool', async () => {
    const res = await me(p.token, { 'x-authing-userpool-id': q.poolId });
    expect([res.statusCode, res.json().code]).toEqual([401, 2020]);
    const logout = await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${p.token}`, 'x-authing-userpool-id': q.poolId },
    });
    expect(logout.statusCode).toBe(401);
    expect((await me(p.token)).statusCode).toBe(200);
  });

  it('signing in names an app of another pool: app not found, no session started', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      headers: { 'x-authing-app-id': p.appId, 'x-authing-userpool-id': q.poolId },
      payload: { account: 'anyone', password: 'whatever' },
    });
    expect([res.statusCode, res.json().code]).toEqual([404, 2011]);
  });

  it("a token signed with another pool's key but claiming this pool is refused", async () => {
    const { SignJWT } = await import('jose');
    const key = server.services.keys.signingKey(q.poolId)!;
    const forged = await new SignJWT({ pool: server.pool.id, sid: 'x', asid: 'y', client_id: p.appId })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(server.services.issuerOf(server.pool.id))
      .setSubject(p.userId)
      .setAudience(p.appId)
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key.privateKey);
    expect((await me(forged)).statusCode).toBe(401);
  });
});
