// The administrator console in process: sign-in everywhere, wrong passwords and throttling,
// CSRF on every form (a refused post changes nothing), pool and app scoping, and what Force
// logout ends — exactly the chosen users' sessions in the app, audited with the admin's email.
// Destructive forms answer a confirmation first; these tests go through it (Confirm), and
// console-confirm.test.ts shows that nothing ends without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfOf, type PageClient, pageClient } from './helpers/page-client.ts';
import {
  TEST_ADMIN as ADMIN,
  createAppAndUser,
  getMe,
  login,
  startTestServer,
  type TestServer,
} from './helpers/server.ts';

describe('console forms', () => {
  let server: TestServer;
  let appId: string;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
    } = await createAppAndUser(server, { name: 'Team <Wiki>' }));
    base = `/console/pools/${server.pool.id}`;
  });
  afterAll(() => server.close());

  async function signedIn(): Promise<PageClient> {
    const browser = pageClient(server);
    const res = await browser.submit('/console/login', '/console/login', ADMIN);
    expect(res.statusCode).toBe(303);
    expect(browser.cookie('signoff_console')).toBeTruthy();
    return browser;
  }

  /** A new user signed in to the app through the API: their token says whether that lasts. */
  async function signedInUser(name?: string) {
    const { user } = await createAppAndUser(server, {}, name ? { name } : {});
    const { token } = await login(server, appId, user.username, user.password);
    return { ...user, token };
  }

  const alive = async (token: string) => (await getMe(server, token)).statusCode === 200;
  async function expectDead(token: string) {
    const res = await getMe(server, token);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(2020);
  }

  it('every console page and form needs a console session', async () => {
    const anonymous = pageClient(server);
    for (const url of [
      '/console',
      `${base}`,
      `${base}/apps`,
      `${base}/apps/${appId}`,
      `${base}/apps/${appId}/deliveries`,
      `${base}/users?q=a`,
      `${base}/users/x`,
      `${base}/audit`,
      `${base}/bulk-logouts/x`,
      '/console/pools/no-such-pool/apps',
    ]) {
      const res = await anonymous.get(url);
      expect(res.statusCode, url).toBe(302);
      expect(res.headers.location, url).toBe('/console/login');
    }
    const csrf = csrfOf((await anonymous.get('/console/login')).body);
    const victim = await signedInUser();
    for (const url of [
      `${base}/apps`,
      `${base}/apps/${appId}/settings`,
      `${base}/apps/${appId}/rotate-secret`,
      `${base}/apps/${appId}/force-logout`,
      `${base}/apps/${appId}/logout-all`,
      `${base}/apps/${appId}/deliveries/replay`,
      `${base}/apps/${appId}/delete`,
      `${base}/users`,
      `${base}/users/${victim.id}/profile`,
      `${base}/users/${victim.id}/end-all`,
      `${base}/users/${victim.id}/delete`,
    ]) {
      const res = await anonymous.post(url, { csrf, userId: victim.id, name: 'x', confirm: 'yes' });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe('/console/login');
    }
    expect(await alive(victim.token)).toBe(true);
  });

  it('a wrong password is refused without a session; the right one signs in', async () => {
    const browser = pageClient(server);
    const res = await browser.submit('/console/login', '/console/login', { ...ADMIN, password: 'wrong' });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('The email or password is incorrect.');
    expect(res.body).toContain('value="admin@example.com"');
    expect(browser.cookie('signoff_console')).toBeUndefined();
    expect((await browser.get(`${base}/apps`)).statusCode).toBe(302);

    const ok = await browser.submit('/console/login', '/console/login', ADMIN);
    expect(ok.statusCode).toBe(303);
    const cookie = ok.cookies.find((c) => c.name === 'signoff_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    // Only a hash is stored: the cookie value is not a key of the table.
    expect(await server.store.consoleSessions.find(cookie.value, Date.now())).toBeNull();
    const apps = await browser.get(`${base}/apps`);
    expect(apps.statusCode).toBe(200);
    expect(apps.headers['content-security-policy']).toContain("default-src 'none'");
    expect(apps.body).toContain('Team &lt;Wiki&gt;');
  });

  it('throttles guessing per email at an address: 429 with Retry-After, even with the right password', async () => {
    const own = await startTestServer({
      settings: { loginThrottle: { perAccount: 2, perIp: 50, windowMs: 60_000 } },
    });
    try {
      const browser = pageClient(own);
      for (let i = 0; i < 2; i++) {
        expect(
          (await browser.submit('/console/login', '/console/login', { ...ADMIN, password: 'nope' }))
            .statusCode,
        ).toBe(401);
      }
      const blocked = await browser.submit('/console/login', '/console/login', ADMIN);
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(browser.cookie('signoff_console')).toBeUndefined();
    } finally {
      await own.close();
    }
  });

  it('signing out ends the console session on the server', async () => {
    const browser = await signedIn();
    const stolen = browser.cookie('signoff_console')!;
    const res = await browser.submit(`${base}/apps`, '/console/logout', {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console/login');
    const replay = pageClient(server);
    replay.setCookie('signoff_console', stolen);
    expect((await replay.get(`${base}/apps`)).statusCode).toBe(302);
  });

  it('a pool or an app that does not exist is a 404 page', async () => {
    const browser = await signedIn();
    for (const url of [
      '/console/pools/no-such-pool/apps',
      '/console/pools/no-such-pool/audit',
      `${base}/apps/no-such-app`,
      `${base}/apps/no-such-app/deliveries`,
      `${base}/users/no-such-user`,
      `${base}/bulk-logouts/no-such-job`,
    ]) {
      const res = await browser.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).toContain('Not found');
    }
    // An app of another pool is as unknown here as a missing one.
    const other = await server.services.pools.create({ name: 'Other pool' });
    if (!other.ok) throw new Error('pool');
    const res = await browser.get(`/console/pools/${other.pool.id}/apps/${appId}`);
    expect(res.statusCode).toBe(404);
    expect((await browser.get(`/console/pools/${other.pool.id}/apps`)).statusCode).toBe(200);
  });

  it('every form without a valid CSRF token answers 403 and changes nothing', async () => {
    const browser = await signedIn();
    const victim = await signedInUser();
    const before = (await server.services.audit.sessionEnds(server.pool.id, 1, 1)).totalCount;
    const appBefore = await server.services.apps.get(server.pool.id, appId);
    const appsBefore = (await server.services.apps.list(server.pool.id)).length;
    const sid = (await server.services.sessions.listOfUser(server.pool.id, victim.id))[0]!.id;
    for (const [url, fields] of [
      [`${base}/apps`, { name: 'Sneaky' }],
      [`${base}/apps/${appId}/settings`, { name: 'Renamed', redirectUris: '', logoutRedirectUris: '' }],
      [`${base}/apps/${appId}/rotate-secret`, { confirm: 'yes' }],
      [`${base}/apps/${appId}/force-logout`, { userId: victim.id, confirm: 'yes' }],
      [`${base}/apps/${appId}/force-logout`, { userIds: victim.id, confirm: 'yes' }],
      [`${base}/apps/${appId}/logout-all`, { confirm: 'yes' }],
      [`${base}/apps/${appId}/delete`, { confirm: 'yes' }],
      [`${base}/apps/${appId}/deliveries/replay`, {}],
      [`${base}/users`, { username: 'sneaky', password: 'sneaky-password' }],
      [`${base}/users/${victim.id}/profile`, { username: 'renamed' }],
      [`${base}/users/${victim.id}/sessions/${sid}/end`, { confirm: 'yes' }],
      [`${base}/users/${victim.id}/end-all`, { confirm: 'yes' }],
      [`${base}/users/${victim.id}/delete`, { confirm: 'yes' }],
      ['/console/logout', {}],
    ] as const) {
      for (const csrf of [undefined, 'forged-token']) {
        const res = await browser.post(url, csrf ? { ...fields, csrf } : { ...fields });
        expect(res.statusCode, url).toBe(403);
        expect(res.body).toContain('This form has expired');
      }
    }
    expect(await alive(victim.token)).toBe(true);
    expect((await server.services.audit.sessionEnds(server.pool.id, 1, 1)).totalCount).toBe(before);
    expect(await server.services.apps.get(server.pool.id, appId)).toEqual(appBefore);
    expect((await server.services.apps.list(server.pool.id)).length).toBe(appsBefore);
    expect(await server.services.bulkLogouts.list(server.pool.id)).toEqual([]);
    expect(await server.services.users.get(server.pool.id, victim.id)).toMatchObject({
      username: victim.username,
    });
    expect(await server.store.users.findByAccount(server.pool.id, 'sneaky')).toBeNull();
    // Still signed in: the sign-out form was refused too.
    expect((await browser.get(`${base}/apps`)).statusCode).toBe(200);
    // The sign-in form too.
    const anonymous = pageClient(server);
    const res = await anonymous.post('/console/login', ADMIN);
    expect(res.statusCode).toBe(403);
    expect(anonymous.cookie('signoff_console')).toBeUndefined();
  });

  it('Force logout ends one user’s app sessions; Force logout selected ends exactly the checked set', async () => {
    const browser = await signedIn();
    const [ann, bob, cat, dan] = [
      await signedInUser('Ann'),
      await signedInUser('Bob'),
      await signedInUser('Cat'),
      await signedInUser('Dan'),
    ];
    const page = `${base}/apps/${appId}`;
    const shown = await browser.get(page);
    expect(shown.body).toContain('<h2 id="login-status">Login status</h2>');
    for (const u of [ann, bob, cat, dan])
      expect(shown.body).toContain(`aria-label="Force logout ${u.username}"`);

    // A row's button: its user only, even when other boxes are checked.
    const asked = await browser.post(`${page}/force-logout`, {
      csrf: csrfOf(shown.body),
      userId: ann.id,
      userIds: dan.id,
    });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain(`Force logout ${ann.username} from Team &lt;Wiki&gt;?`);
    const one = await browser.confirm(asked);
    expect(one.statusCode).toBe(303);
    await expectDead(ann.token);
    for (const u of [bob, cat, dan]) expect(await alive(u.token)).toBe(true);
    const after = await browser.get(one.headers.location as string);
    expect(after.body).toContain('role="status"');
    expect(after.body).toContain('Forced logout done: 1 session ended in this app.');
    expect(after.body).not.toContain(`value="${ann.id}"`);

    // Force logout selected: the checked boxes.
    const body = new URLSearchParams({ csrf: csrfOf(after.body) });
    body.append('userIds', bob.id);
    body.append('userIds', cat.id);
    const confirmation = await browser.post(`${page}/force-logout`, body);
    expect(confirmation.body).toContain('Force logout 2 users from Team &lt;Wiki&gt;?');
    expect(confirmation.body).toContain('This will end 2 sessions of 2 users');
    const res = await browser.confirm(confirmation);
    expect(res.statusCode).toBe(303);
    await expectDead(bob.token);
    await expectDead(cat.token);
    expect(await alive(dan.token)).toBe(true);
    const list = await browser.get(res.headers.location as string);
    expect(list.body).toContain('Forced logout done: 2 sessions ended in this app.');
    for (const u of [ann, bob, cat]) expect(list.body).not.toContain(`value="${u.id}"`);
    expect(list.body).toContain(`value="${dan.id}"`);

    // Audited with the administrator's email as the actor.
    const latest = (await server.services.audit.sessionEnds(server.pool.id, 1, 1)).list[0]!;
    expect(latest).toMatchObject({
      reason: 'admin_kick',
      actor: { type: 'admin', id: 'admin@example.com' },
      sessions: 2,
      apps: [appId],
    });
    const audit = await browser.get(`${base}/audit`);
    expect(audit.statusCode).toBe(200);
    expect(audit.body).toContain('admin@example.com');
    expect(audit.body).toContain('Team &lt;Wiki&gt;');

    // Nothing checked: nothing ends.
    const none = await browser.submit(page, `${page}/force-logout`, {});
    expect((await browser.get(none.headers.location as string)).body).toContain('No user was selected');
    expect(await alive(dan.token)).toBe(true);
  });

  it('settings: invalid URIs are shown as field errors and not saved; valid ones are', async () => {
    const browser = await signedIn();
    const page = `${base}/apps/${appId}`;
    const bad = await browser.submit(page, `${page}/settings`, {
      name: 'Team <Wiki>',
      redirectUris: 'https://ok.example/cb\njavascript:alert(1)',
      logoutRedirectUris: 'not a uri',
      backchannelLogoutUri: 'com.example.app:/bc',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="redirectUris-error"');
    expect(bad.body).toContain('Line 2: must not use the javascript: scheme.');
    expect(bad.body).toContain('id="logoutRedirectUris-error"');
    expect(bad.body).toContain('id="backchannelLogoutUri-error"');
    expect(bad.body).toContain('aria-invalid="true"');
    expect((await server.services.apps.get(server.pool.id, appId))?.redirectUris).toEqual([]);

    const good = await browser.submit(page, `${page}/settings`, {
      name: 'Team <Wiki>',
      redirectUris: 'https://wiki.example/cb\n\nhttps://wiki.example/cb2',
      logoutRedirectUris: 'https://wiki.example/bye',
      backchannelLogoutUri: 'http://127.0.0.1:9/backchannel',
      tokenEndpointAuthMethod: 'none',
    });
    expect(good.statusCode).toBe(303);
    expect(await server.services.apps.get(server.pool.id, appId)).toMatchObject({
      redirectUris: ['https://wiki.example/cb', 'https://wiki.example/cb2'],
      logoutRedirectUris: ['https://wiki.example/bye'],
      backchannelLogoutUri: 'http://127.0.0.1:9/backchannel',
      tokenEndpointAuthMethod: 'none',
    });
    const shown = await browser.get(page);
    expect(shown.body).toMatch(/<input type="radio" name="tokenEndpointAuthMethod" value="none" checked>/);
    const unknownMethod = await browser.submit(page, `${page}/settings`, {
      name: 'Team <Wiki>',
      redirectUris: '',
      logoutRedirectUris: '',
      backchannelLogoutUri: '',
      tokenEndpointAuthMethod: 'client_secret_jwt',
    });
    expect(unknownMethod.statusCode).toBe(400);
    expect(unknownMethod.body).toContain('id="tokenEndpointAuthMethod-error"');
    expect((await server.services.apps.get(server.pool.id, appId))?.tokenEndpointAuthMethod).toBe('none');
  });

  it('creates an app and rotates its secret, showing each secret once', async () => {
    const browser = await signedIn();
    const created = await browser.submit(`${base}/apps`, `${base}/apps`, { name: 'Billing' });
    expect(created.statusCode).toBe(201);
    const secret = /<p class="secret"><code>([^<]+)<\/code>/.exec(created.body)?.[1];
    const app = (await server.services.apps.list(server.pool.id)).find((a) => a.name === 'Billing')!;
    expect(secret).toBeTruthy();
    const asked = await browser.submit(`${base}/apps/${app.id}`, `${base}/apps/${app.id}/rotate-secret`, {});
    expect(asked.body).toContain('Rotate the secret of Billing?');
    expect(asked.body).not.toContain('<p class="secret">');
    const rotated = await browser.confirm(asked);
    expect(rotated.statusCode).toBe(200);
    const next = /<p class="secret"><code>([^<]+)<\/code>/.exec(rotated.body)?.[1];
    expect(next).toBeTruthy();
    expect(next).not.toBe(secret);
    expect((await browser.get(`${base}/apps/${app.id}`)).body).not.toContain(next!);
  });

  it('Log out everyone starts a job whose page shows its progress', async () => {
    const browser = await signedIn();
    const { app } = await createAppAndUser(server, { name: 'Bulk' });
    const users = [await signedInUser(), await signedInUser()];
    for (const u of users) await login(server, app.id, u.username, u.password);
    const asked = await browser.submit(`${base}/apps/${app.id}`, `${base}/apps/${app.id}/logout-all`, {});
    expect(asked.body).toContain('Log out everyone from Bulk?');
    expect(asked.body).toContain('2 sessions of 2 users now');
    const res = await browser.confirm(asked);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(new RegExp(`^${base}/bulk-logouts/`));
    await server.services.bulkLogouts.settle();
    const job = await browser.get(res.headers.location as string);
    expect(job.statusCode).toBe(200);
    expect(job.body).toMatch(/<progress id="job-progress" value="2" max="2"/);
    expect(job.body).toContain('2 of 2 sessions ended');
    expect(job.body).toContain('Status: Done');
    expect(job.body).toContain('>Refresh</a>');
    expect(job.body).not.toContain('http-equiv="refresh"');
  });

  it('users: search, a user’s sessions, End session and End all sessions', async () => {
    const browser = await signedIn();
    const u = await signedInUser('Searchable Sam');
    const second = await login(server, appId, u.username, u.password);
    const found = await browser.get(`${base}/users?q=${encodeURIComponent(u.username.toUpperCase())}`);
    expect(found.body).toContain(`href="${base}/users/${u.id}"`);
    expect((await browser.get(`${base}/users?q=zzz-nobody`)).body).toContain('No user matches');

    const page = `${base}/users/${u.id}`;
    const shown = await browser.get(page);
    expect(shown.body.match(/>End session</g)).toHaveLength(2);
    const sid = server.services.tokens.verifyAccessToken(u.token);
    if (!sid.ok) throw new Error('token');
    const one = await browser.confirm(
      await browser.submit(page, `${page}/sessions/${sid.claims.sessionId}/end`, {}),
    );
    expect(one.statusCode).toBe(303);
    await expectDead(u.token);
    expect(await alive(second.token)).toBe(true);
    const askedAll = await browser.submit(page, `${page}/end-all`, {});
    expect(askedAll.body).toContain(`End all sessions of ${u.username}?`);
    expect(askedAll.body).toContain('their only session');
    const all = await browser.confirm(askedAll);
    expect(all.statusCode).toBe(303);
    await expectDead(second.token);
    expect((await browser.get(all.headers.location as string)).body).toContain('1 session ended.');
    const latest = (await server.services.audit.sessionEnds(server.pool.id, 1, 1)).list[0]!;
    expect(latest.actor).toEqual({ type: 'admin', id: 'admin@example.com' });
  });

  it('logout deliveries: listed with a status filter, retried one by one or all failed', async () => {
    const browser = await signedIn();
    const { app } = await createAppAndUser(server, {
      name: 'Notified',
      backchannelLogoutUri: 'http://127.0.0.1:9/nobody-listens',
    });
    const u = await signedInUser();
    await login(server, app.id, u.username, u.password);
    await server.services.logout.kickFromApp(server.pool.id, app.id, [u.id], { type: 'admin', id: 'x' });
    const deliveries = await server.services.logoutDeliveries.list(server.pool.id, app.id, null, 0, 10);
    expect(deliveries.totalCount).toBe(1);
    const id = deliveries.list[0]!.id;
    await server.store.deliveries.markFailed(server.pool.id, id, 3, 'connection refused');

    const page = `${base}/apps/${app.id}/deliveries`;
    const failed = await browser.get(`${page}?status=failed`);
    expect(failed.body).toContain('connection refused');
    expect(failed.body).toContain(`aria-label="Retry delivery ${id}"`);
    expect((await browser.get(`${page}?status=delivered`)).body).toContain(
      'No deliveries with status delivered',
    );

    const retried = await browser.submit(page, `${page}/replay`, { id });
    expect((await browser.get(retried.headers.location as string)).body).toContain(
      '1 delivery queued again.',
    );
    expect((await server.store.deliveries.get(server.pool.id, id))?.status).toBe('pending');
    await server.store.deliveries.markFailed(server.pool.id, id, 1, 'again');
    const all = await browser.submit(page, `${page}/replay`, {});
    expect((await browser.get(all.headers.location as string)).body).toContain('1 delivery queued again.');
  });
});
