// Pools never mix (DESIGN.md principle 5): a token, an id or a header of one pool reaches
// nothing of another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepted, createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

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

  describe('admin session routes (kick, active users, login status, audit, bulk logouts)', () => {
    let idleAppId: string;
    let jobId: string;
    let q2: { appId: string };
    let kicked: { appId: string; userId: string };

    const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
      server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

    beforeAll(async () => {
      // A bulk logout job of this pool, on an app nobody is signed in to (p's token lives on).
      idleAppId = accepted(await server.services.apps.create(server.pool.id, { name: 'Idle' })).app.id;
      const job = await server.app.inject({
        method: 'POST',
        url: `/api/v2/applications/${idleAppId}/logout-all`,
        headers: p.headers,
      });
      jobId = job.json().data.id;
      await server.services.bulkLogouts.settle();
      q2 = { appId: accepted(await server.services.apps.create(q.poolId, { name: 'Theirs' })).app.id };
      // An end in this pool's audit trail, of another user, for the lists to (not) leak.
      const other = await createAppAndUser(server, { name: 'Kicked from' });
      await login(server, other.app.id, other.user.username, other.user.password);
      await call('POST', '/api/v2/users/kick', p.headers, { userIds: [other.user.id] });
      kicked = { appId: other.app.id, userId: other.user.id };
    });

    const routes = () =>
      [
        ['POST', `/api/v2/applications/${p.appId}/kick-active-users`, { userIds: [p.userId] }],
        ['POST', `/api/applications/${p.appId}/kick-active-users`, { userIds: [p.userId] }],
        ['GET', `/api/v2/applications/${p.appId}/active-users`],
        ['POST', '/api/v2/users/kick', { userIds: [p.userId] }],
        ['GET', `/logout?userId=${p.userId}&appId=${p.appId}`],
        ['GET', `/logout?userId=${p.userId}`],
        ['GET', `/api/v2/users/login-status?userId=${p.userId}`],
        ['GET', '/api/v2/audit/session-ends'],
        ['POST', `/api/v2/applications/${p.appId}/logout-all`],
        ['POST', '/api/v2/userpools/logout-all'],
        ['GET', '/api/v2/bulk-logouts'],
        ['GET', `/api/v2/bulk-logouts/${jobId}`],
      ] as const;

    it("another pool's admin token with this pool's header is refused (403 1001)", async () => {
      for (const [method, url, payload] of routes()) {
        const res = await call(
          method,
          url,
          { ...q.headers, 'x-authing-userpool-id': server.pool.id },
          payload,
        );
        expect([res.statusCode, res.json().code], `${method} ${url}`).toEqual([403, 1001]);
      }
      expect((await me(p.token)).statusCode).toBe(200);
    });

    it("in its own pool, this pool's apps, users and jobs are not found", async () => {
      for (const [method, url, payload, code] of [
        ['POST', `/api/v2/applications/${p.appId}/kick-active-users`, { userIds: [p.userId] }, 2011],
        ['POST', `/api/applications/${p.appId}/kick-active-users`, { userIds: [p.userId] }, 2011],
        ['GET', `/api/v2/applications/${p.appId}/active-users`, undefined, 2011],
        ['GET', `/logout?userId=${p.userId}&appId=${p.appId}`, undefined, 2011],
        ['GET', `/api/v2/users/login-status?userId=${p.userId}`, undefined, 2004],
        ['GET', `/api/v2/users/login-status?userId=${p.userId}&appId=${p.appId}`, undefined, 2004],
        ['POST', `/api/v2/applications/${p.appId}/logout-all`, undefined, 2011],
        ['GET', `/api/v2/bulk-logouts/${jobId}`, undefined, 4042],
      ] as const) {
        const res = await call(method, url, q.headers, payload);
        expect([res.statusCode, res.json().code], `${method} ${url}`).toEqual([404, code]);
      }
      expect((await me(p.token)).statusCode).toBe(200);
    });

    it("kicking this pool's user ids from the other pool ends nothing here", async () => {
      for (const [method, url, payload] of [
        ['POST', '/api/v2/users/kick', { userIds: [p.userId] }],
        ['GET', `/logout?userId=${p.userId}`, undefined],
        ['POST', `/api/v2/applications/${q2.appId}/kick-active-users`, { userIds: [p.userId] }],
      ] as const) {
        const res = await call(method, url, q.headers, payload);
        expect([res.statusCode, res.json().data.ended], `${method} ${url}`).toEqual([200, 0]);
      }
      const everyone = await call('POST', '/api/v2/userpools/logout-all', q.headers);
      await server.services.bulkLogouts.settle();
      const job = await call('GET', `/api/v2/bulk-logouts/${everyone.json().data.id}`, q.headers);
      expect(job.json().data).toMatchObject({ status: 'done', total: 0, ended: 0 });
      expect((await me(p.token)).statusCode).toBe(200);
      const status = await call('GET', `/api/v2/users/login-status?userId=${p.userId}`, p.headers);
      expect(status.json().data.isLogin).toBe(true);
    });

    it("the other pool's lists never show this pool's users, sessions, ends or jobs", async () => {
      const ourActive = await call('GET', `/api/v2/applications/${p.appId}/active-users`, p.headers);
      expect(ourActive.json().data.list.map((u: { id: string }) => u.id)).toEqual([p.userId]);
      const active = await call('GET', `/api/v2/applications/${q2.appId}/active-users`, q.headers);
      expect(active.json().data).toEqual({ totalCount: 0, list: [] });
      const ours = await call('GET', '/api/v2/bulk-logouts', p.headers);
      expect(ours.json().data.map((j: { id: string }) => j.id)).toContain(jobId);
      const theirs = await call('GET', '/api/v2/bulk-logouts', q.headers);
      const theirIds = theirs.json().data.map((j: { id: string }) => j.id);
      expect(theirIds).not.toContain(jobId);
      for (const j of theirs.json().data) expect(j.appId).not.toBe(p.appId);
      const audit = await call('GET', '/api/v2/audit/session-ends?limit=100', q.headers);
      const text = JSON.stringify(audit.json().data);
      for (const id of [p.userId, p.appId, p.sid, idleAppId, kicked.userId, kicked.appId])
        expect(text).not.toContain(id);
      const ourAudit = await call('GET', '/api/v2/audit/session-ends?limit=100', p.headers);
      expect(JSON.stringify(ourAudit.json().data)).toContain(kicked.appId);
      const theirEndIds = new Set(audit.json().data.list.map((e: { id: string }) => e.id));
      for (const e of ourAudit.json().data.list) expect(theirEndIds.has(e.id)).toBe(false);
    });
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
