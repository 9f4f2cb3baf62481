import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

describe('end-user API logout', () => {
  let server: TestServer;
  let appId: string;
  let user: { id: string; username: string; email: string; password: string };

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
      user,
    } = await createAppAndUser(server));
  });
  afterAll(() => server.close());

  const me = (token: string) => getMe(server, token);

  it('login → me 200 → logout → the same token is refused with 2020 at once', async () => {
    const { token } = await login(server, appId, user.username, user.password);
    const before = await me(token);
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({ code: 200, data: { id: user.id, username: user.username } });

    const out = await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toMatchObject({
      code: 200,
      data: { token, user: { id: user.id }, scope: 'local', ended: 1 },
    });
    const cleared = out.cookies.find((c) => c.name === 'signoff_session');
    expect(cleared?.value).toBe('');

    const after = await me(token);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ code: 2020, message: expect.any(String) });
  });

  it('logs in by email, ignoring its case', async () => {
    const { token } = await login(server, appId, user.email.toUpperCase(), user.password);
    expect((await me(token)).statusCode).toBe(200);
  });

  it('GET /api/v2/logout?app_id= with the session cookie ends the session and clears the cookie', async () => {
    const { token, cookie } = await login(server, appId, user.username, user.password);
    const viaCookie = await server.app.inject({
      method: 'GET',
      url: '/api/v2/users/me',
      headers: { cookie },
    });
    expect(viaCookie.statusCode).toBe(200);
    const out = await server.app.inject({
      method: 'GET',
      url: `/api/v2/logout?app_id=${appId}`,
      headers: { cookie },
    });
    expect(out.statusCode).toBe(200);
    expect(out.json().data.token).toBeNull();
    expect(out.headers['set-cookie']).toMatch(/signoff_session=;/);
    expect(
      (await server.app.inject({ method: 'GET', url: '/api/v2/users/me', headers: { cookie } })).statusCode,
    ).toBe(401);
    expect((await me(token)).statusCode).toBe(401);
  });

  it('scope=others ends my other sessions and keeps this one; scope=global ends all', async () => {
    const a = await login(server, appId, user.username, user.password);
    const b = await login(server, appId, user.username, user.password);
    const c = await login(server, appId, user.username, user.password);

    const sessions = await server.app.inject({
      method: 'GET',
      url: '/api/v2/users/me/sessions',
      headers: { authorization: `Bearer ${a.token}` },
    });
    const list = sessions.json().data as { sid: string; current: boolean }[];
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.filter((s) => s.current)).toHaveLength(1);

    const others = await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout?scope=others',
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(others.statusCode).toBe(200);
    expect(others.json().data.ended).toBeGreaterThanOrEqual(2);
    expect(others.headers['set-cookie']).toBeUndefined();
    expect((await me(a.token)).statusCode).toBe(200);
    expect((await me(b.token)).statusCode).toBe(401);
    expect((await me(c.token)).statusCode).toBe(401);

    const d = await login(server, appId, user.username, user.password);
    const global = await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout?scope=global',
      headers: { authorization: `Bearer ${d.token}` },
    });
    expect(global.json().data.ended).toBe(2);
    expect((await me(a.token)).statusCode).toBe(401);
    expect((await me(d.token)).statusCode).toBe(401);
  });

  it('ends one of my sessions by sid, and not somebody else’s', async () => {
    const mine = await login(server, appId, user.username, user.password);
    const other = await login(server, appId, user.username, user.password);
    const { user: stranger } = await createAppAndUser(server);
    const strangers = await login(server, appId, stranger.username, stranger.password);
    const sessionsOf = async (token: string) =>
      (
        await server.app.inject({
          method: 'GET',
          url: '/api/v2/users/me/sessions',
          headers: { authorization: `Bearer ${token}` },
        })
      ).json().data as { sid: string; current: boolean }[];
    const otherSid = (await sessionsOf(other.token)).find((s) => s.current)!.sid;
    const strangerSid = (await sessionsOf(strangers.token)).find((s) => s.current)!.sid;

    const denied = await server.app.inject({
      method: 'DELETE',
      url: `/api/v2/users/me/sessions/${strangerSid}`,
      headers: { authorization: `Bearer ${mine.token}` },
    });
    expect(denied.statusCode).toBe(404);
    expect((await me(strangers.token)).statusCode).toBe(200);

    const ended = await server.app.inject({
      method: 'DELETE',
      url: `/api/v2/users/me/sessions/${otherSid}`,
      headers: { authorization: `Bearer ${mine.token}` },
    });
    expect(ended.statusCode).toBe(200);
    expect((await me(other.token)).statusCode).toBe(401);
    expect((await me(mine.token)).statusCode).toBe(200);
  });

  it('a second app joins the browser session (one session, two apps) and local logout ends both', async () => {
    const headers = await server.adminHeaders();
    const second = (
      await server.app.inject({
        method: 'POST',
        url: '/api/v2/applications',
        headers,
        payload: { name: 'Second' },
      })
    ).json().data.id as string;
    const first = await login(server, appId, user.username, user.password);
    const joined = await login(server, second, user.username, user.password, first.cookie);
    const sessions = (
      await server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me/sessions',
        headers: { authorization: `Bearer ${joined.token}` },
      })
    ).json().data as { current: boolean; apps: { appId: string }[] }[];
    const current = sessions.find((s) => s.current)!;
    expect(current.apps.map((a) => a.appId).sort()).toEqual([appId, second].sort());

    await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect((await me(first.token)).statusCode).toBe(401);
    expect((await me(joined.token)).statusCode).toBe(401);
  });

  it('answers 401 2020 for no token, a malformed one and a tampered one', async () => {
    const { token } = await login(server, appId, user.username, user.password);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.${s}`;
    for (const authorization of [undefined, 'Bearer nonsense', `Bearer ${tampered}`, `Basic ${token}`]) {
      const res = await server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe(2020);
    }
  });

  it('refuses a wrong password and an unknown account alike', async () => {
    for (const payload of [
      { account: user.username, password: 'wrong password' },
      { account: 'nobody-here', password: user.password },
    ]) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        headers: { 'x-authing-app-id': appId },
        payload,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 4010, message: 'Wrong account or password' });
    }
  });
});

describe('API sign-in throttle', () => {
  it('refuses the sixth failure for one account with 429 and Retry-After, even with the right password', async () => {
    const server = await startTestServer();
    try {
      const { app, user } = await createAppAndUser(server);
      const attempt = (password: string) =>
        server.app.inject({
          method: 'POST',
          url: '/api/v2/login/account',
          headers: { 'x-authing-app-id': app.id },
          payload: { account: user.username, password },
        });
      for (let i = 0; i < 5; i++) expect((await attempt('wrong password')).statusCode).toBe(401);
      const blocked = await attempt(user.password);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().code).toBe(4290);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
