// Administrator session routes (CONTRACT §4): kick from an app, kick from the pool, Authing's
// GET /logout, active users, login status, the audit trail, bulk logout jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accepted,
  createAppAndUser,
  getMe,
  login,
  startTestServer,
  type TestServer,
} from './helpers/server.ts';

describe('administrator session routes', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let appA: string;
  let appB: string;
  let user: { id: string; username: string; password: string };

  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.adminHeaders();
    const created = await createAppAndUser(server, { name: 'A' });
    appA = created.app.id;
    user = created.user;
    appB = accepted(await server.services.apps.create(server.pool.id, { name: 'B' })).app.id;
  });
  afterAll(() => server.close());

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  /** One browser signed in to A then B: one session, two apps. */
  async function signedInToBoth() {
    const a = await login(server, appA, user.username, user.password);
    const b = await login(server, appB, user.username, user.password, a.cookie);
    return { a: a.token, b: b.token };
  }

  it('kick-active-users ends the users’ part of the session in that app only (both paths)', async () => {
    for (const path of [
      `/api/v2/applications/${appA}/kick-active-users`,
      `/api/applications/${appA}/kick-active-users`,
    ]) {
      const tokens = await signedInToBoth();
      const res = await call('POST', path, { userIds: [user.id, 'unknown-user'] });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        code: 200,
        message: 'forced logout success',
        data: { ended: 1, appSessions: 1 },
      });
      expect((await getMe(server, tokens.a)).statusCode).toBe(401);
      expect((await getMe(server, tokens.b)).statusCode).toBe(200);
      await server.app.inject({
        method: 'POST',
        url: '/api/v2/logout',
        headers: { authorization: `Bearer ${tokens.b}` },
      });
    }
  });

  it('validates userIds: an array of at most 1,000 strings, 400 naming the field', async () => {
    for (const payload of [
      {},
      { userIds: 'x' },
      { userIds: [1] },
      { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) },
    ]) {
      const res = await call('POST', `/api/v2/applications/${appA}/kick-active-users`, payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 40)).toBe(400);
      expect(res.json().message).toContain('userIds');
    }
    const unknownApp = await call('POST', '/api/v2/applications/000000000000000000000000/kick-active-users', {
      userIds: [],
    });
    expect([unknownApp.statusCode, unknownApp.json().code]).toEqual([404, 2011]);
  });

  it('users/kick and GET /logout without appId end whole sessions; with appId, one app', async () => {
    let tokens = await signedInToBoth();
    expect((await call('POST', '/api/v2/users/kick', { userIds: [user.id] })).json().data.ended).toBe(1);
    expect((await getMe(server, tokens.a)).statusCode).toBe(401);
    expect((await getMe(server, tokens.b)).statusCode).toBe(401);

    tokens = await signedInToBoth();
    expect((await call('GET', `/logout?userId=${user.id}&appId=${appB}`)).statusCode).toBe(200);
    expect((await getMe(server, tokens.a)).statusCode).toBe(200);
    expect((await getMe(server, tokens.b)).statusCode).toBe(401);
    expect((await call('GET', `/logout?userId=${user.id}`)).json()).toMatchObject({
      code: 200,
      data: { ended: 1 },
    });
    expect((await getMe(server, tokens.a)).statusCode).toBe(401);
    expect((await call('GET', '/logout')).statusCode).toBe(400);
  });

  it('active users: who is signed in to the app, newest activity first, no password material', async () => {
    const { user: other } = await createAppAndUser(server);
    await login(server, appA, user.username, user.password);
    await login(server, appA, other.username, other.password);
    const res = await call('GET', `/api/v2/applications/${appA}/active-users?page=1&limit=10`);
    expect(res.statusCode).toBe(200);
    const { totalCount, list } = res.json().data;
    expect(totalCount).toBe(2);
    expect(list.map((u: { id: string }) => u.id).sort()).toEqual([user.id, other.id].sort());
    expect(list[0]).toMatchObject({ sessions: 1, lastIp: '127.0.0.1', device: { os: 'Linux' } });
    expect(JSON.stringify(list)).not.toMatch(/password|argon/i);
    const second = await call('GET', `/api/v2/applications/${appA}/active-users?page=2&limit=1`);
    expect(second.json().data).toMatchObject({ totalCount: 2, list: [expect.any(Object)] });
    expect((await call('GET', `/api/v2/applications/${appA}/active-users?limit=500`)).statusCode).toBe(400);
    await call('POST', '/api/v2/users/kick', { userIds: [user.id, other.id] });
    expect((await call('GET', `/api/v2/applications/${appA}/active-users`)).json().data.totalCount).toBe(0);
  });

  it('login-status says whether the user is signed in (to the app)', async () => {
    const status = async (query: string) =>
      (await call('GET', `/api/v2/users/login-status?${query}`)).json().data;
    expect(await status(`userId=${user.id}`)).toMatchObject({ isLogin: false, user: { id: user.id } });
    const { a } = await signedInToBoth();
    expect(await status(`userId=${user.id}`)).toMatchObject({ isLogin: true });
    expect(await status(`userId=${user.id}&appId=${appA}`)).toMatchObject({
      isLogin: true,
      application: { id: appA },
    });
    await call('POST', `/api/v2/applications/${appA}/kick-active-users`, { userIds: [user.id] });
    expect(await status(`userId=${user.id}&appId=${appA}`)).toMatchObject({ isLogin: false });
    expect(await status(`userId=${user.id}&appId=${appB}`)).toMatchObject({ isLogin: true });
    expect((await getMe(server, a)).statusCode).toBe(401);
    await call('POST', '/api/v2/users/kick', { userIds: [user.id] });
  });

  it('the audit trail lists every end newest first with reason, actor and counts', async () => {
    const res = await call('GET', '/api/v2/audit/session-ends?page=1&limit=3');
    const { totalCount, list } = res.json().data;
    expect(totalCount).toBeGreaterThan(3);
    expect(list).toHaveLength(3);
    expect(list[0]).toMatchObject({
      reason: 'admin_kick',
      actor: { type: 'admin', id: 'management-api' },
      sessions: 1,
    });
    expect(Date.parse(list[0].at)).toBeGreaterThanOrEqual(Date.parse(list[1].at));
  });

  it('logout-all of an app runs as a job in batches, with progress, and every app session ends', async () => {
    const tokens = [];
    for (let i = 0; i < 5; i++) tokens.push((await signedInToBoth()).a);
    const started = await call('POST', `/api/v2/applications/${appA}/logout-all`);
    expect(started.json().data).toMatchObject({ status: 'running', total: 5, appId: appA });
    await server.services.bulkLogouts.settle();
    const job = await call('GET', `/api/v2/bulk-logouts/${started.json().data.id}`);
    expect(job.json().data).toMatchObject({ status: 'done', ended: 5 });
    for (const token of tokens) expect((await getMe(server, token)).statusCode).toBe(401);
    expect((await call('GET', '/api/v2/bulk-logouts')).json().data[0].id).toBe(started.json().data.id);
    const pool = await call('POST', '/api/v2/userpools/logout-all');
    await server.services.bulkLogouts.settle();
    expect((await call('GET', `/api/v2/bulk-logouts/${pool.json().data.id}`)).json().data).toMatchObject({
      status: 'done',
      ended: 5,
    });
    expect(await server.store.sessions.countLive(server.pool.id, null)).toBe(0);
  });
});
