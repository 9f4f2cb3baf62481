// Authing's own JS SDK (authing-js-sdk 4.23.55, which nobody here wrote) pointed at a listening
// Signoff: its ManagementClient sees who is signed in to an app, checks a user's login status,
// kicks users out of one app or all of them; its AuthenticationClient logs a token out (4.23.55
// takes no userPoolId: the app id names the pool). Plus
// kick-active-users as raw HTTP, exactly as Authing documents it (both paths).
import { AuthenticationClient, ManagementClient } from 'authing-js-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accepted, createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

describe("Authing's SDK against a real Signoff", () => {
  let server: TestServer;
  let management: ManagementClient;
  let adminToken: string;
  let appA: string;
  let appB: string;
  let user: { id: string; username: string; password: string };

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    const issued = await fetch(
      `${server.url}/api/v2/userpools/accessToken?userPoolId=${server.pool.id}&secret=${server.pool.secret}`,
    );
    adminToken = (await issued.json()).data.accessToken;
    management = new ManagementClient({
      userPoolId: server.pool.id,
      accessToken: adminToken,
      host: server.url,
    });
    const created = await createAppAndUser(server, { name: 'A' });
    appA = created.app.id;
    user = created.user;
    appB = accepted(await server.services.apps.create(server.pool.id, { name: 'B' })).app.id;
  });
  afterAll(() => server?.close());

  /** One browser signed in to A then B: one session, two apps. */
  async function signedInToBoth() {
    const a = await login(server, appA, user.username, user.password);
    const b = await login(server, appB, user.username, user.password, a.cookie);
    return { a: a.token, b: b.token };
  }

  /** GET /api/v2/users/me over real HTTP: the status and Authing's code. */
  async function me(token: string) {
    const res = await fetch(`${server.url}/api/v2/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, code: ((await res.json()) as { code: number }).code };
  }

  it('applications.activeUsers lists the signed-in user as {totalCount, list}', async () => {
    const tokens = await signedInToBoth();
    const page = (await management.applications.activeUsers(appA, 1, 10)) as unknown as {
      totalCount: number;
      list: { id: string; username: string }[];
    };
    expect(page.totalCount).toBe(1);
    expect(page.list).toEqual([expect.objectContaining({ id: user.id, username: user.username })]);
    await management.users.kick([user.id]);
    expect((await me(tokens.a)).status).toBe(401);
  });

  it('users.checkLoginStatus is true while signed in to the app, false after a kick from it', async () => {
    const tokens = await signedInToBoth();
    expect(await management.users.checkLoginStatus(user.id, appA)).toMatchObject({ isLogin: true });
    const kicked = await fetch(`${server.url}/api/v2/applications/${appA}/kick-active-users`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${adminToken}`,
        'x-authing-userpool-id': server.pool.id,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userIds: [user.id] }),
    });
    expect(kicked.status).toBe(200);
    expect(await management.users.checkLoginStatus(user.id, appA)).toMatchObject({ isLogin: false });
    expect(await management.users.checkLoginStatus(user.id, appB)).toMatchObject({ isLogin: true });
    expect((await me(tokens.b)).status).toBe(200);
    await management.users.kick([user.id]);
  });

  it('users.logout({userId, appId}) ends only that app; users.logout({userId}) ends everything', async () => {
    const tokens = await signedInToBoth();
    expect(await management.users.logout({ userId: user.id, appId: appA })).toMatchObject({ code: 200 });
    expect(await me(tokens.a)).toEqual({ status: 401, code: 2020 });
    expect((await me(tokens.b)).status).toBe(200);

    const again = await signedInToBoth();
    await management.users.logout({ userId: user.id });
    expect(await me(again.a)).toEqual({ status: 401, code: 2020 });
    expect(await me(again.b)).toEqual({ status: 401, code: 2020 });
    expect(await management.users.checkLoginStatus(user.id)).toMatchObject({ isLogin: false });
  });

  it('users.kick([userId]) ends every session of the user, in every app', async () => {
    const first = await signedInToBoth();
    const second = await signedInToBoth();
    expect(await management.users.kick([user.id])).toMatchObject({ code: 200 });
    for (const token of [first.a, first.b, second.a, second.b]) {
      expect(await me(token)).toEqual({ status: 401, code: 2020 });
    }
    const page = (await management.applications.activeUsers(appA)) as unknown as { totalCount: number };
    expect(page.totalCount).toBe(0);
  });

  it("AuthenticationClient's logout() with setToken ends the token's session: refused afterwards", async () => {
    const { token } = await login(server, appA, user.username, user.password);
    const auth = new AuthenticationClient({ appId: appA, appHost: server.url });
    auth.setToken(token);
    expect((await me(token)).status).toBe(200);
    await auth.logout();
    expect(await me(token)).toEqual({ status: 401, code: 2020 });
  });

  it('an SDK call the server refuses is a rejection, not data', async () => {
    // Signoff answers errors with their HTTP status (404 here, body code 2011); the SDK's axios
    // rejects any non-2xx before looking at the body, so the caller sees the status.
    await expect(management.applications.activeUsers('000000000000000000000000', 1, 10)).rejects.toThrow(
      /404/,
    );
  });

  it('kick-active-users as raw HTTP, as Authing documents it, on both paths', async () => {
    for (const path of [
      `/api/v2/applications/${appA}/kick-active-users`,
      `/api/applications/${appA}/kick-active-users`,
    ]) {
      const tokens = await signedInToBoth();
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${adminToken}`,
          'x-authing-userpool-id': server.pool.id,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ userIds: [user.id] }),
      });
      expect(res.status, path).toBe(200);
      expect(await res.json()).toMatchObject({ code: 200, message: expect.any(String) });
      expect(await me(tokens.a)).toEqual({ status: 401, code: 2020 });
      expect((await me(tokens.b)).status).toBe(200);
      await management.users.kick([user.id]);
    }
  });
});
