// The console's self-service controls (issue 11): an administrator sets a user's password (their
// sessions end unless kept; a short one is refused at its field, nothing written) and turns the
// pool's self sign-up on and off; the audit trail names the reset; times follow the reader's
// chosen time zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleClient } from './helpers/page-client.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

describe('console: new password and self sign-up', () => {
  let server: TestServer;
  let appId: string;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
    } = await createAppAndUser(server, { name: 'Atlas' }));
    base = `/console/pools/${server.pool.id}`;
  });
  afterAll(() => server.close());

  const signedIn = () => consoleClient(server);

  const signsIn = async (account: string, password: string) =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        headers: { 'x-authing-app-id': appId },
        payload: { account, password },
      })
    ).statusCode === 200;

  it('sets a new password: every session ends, the old password no longer signs in, the audit names it', async () => {
    const browser = await signedIn();
    const { user } = await createAppAndUser(server);
    const { token } = await login(server, appId, user.username, user.password);
    const page = `${base}/users/${user.id}`;
    expect((await browser.get(page)).body).toContain('Set a new password');

    const done = await browser.submit(page, `${page}/password`, { password: 'a brand new passphrase' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`${page}?notice=password-set&n=1`);
    expect((await browser.get(done.headers.location as string)).body).toContain(
      'New password set: 1 session ended.',
    );
    expect((await getMe(server, token)).statusCode).toBe(401);
    expect(await signsIn(user.username, user.password)).toBe(false);
    expect(await signsIn(user.username, 'a brand new passphrase')).toBe(true);

    const audit = await browser.get(`${base}/audit`);
    expect(audit.body).toContain('Administrator set a new password');
  });

  it('keeps the sessions when asked; a short password is refused at its field and nothing changes', async () => {
    const browser = await signedIn();
    const { user } = await createAppAndUser(server);
    const { token } = await login(server, appId, user.username, user.password);
    const page = `${base}/users/${user.id}`;

    const refused = await browser.submit(page, `${page}/password`, { password: 'short' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('The password must be at least 8 characters.');
    expect(refused.body).toContain('aria-invalid="true"');
    expect(await signsIn(user.username, user.password)).toBe(true);

    const kept = await browser.submit(page, `${page}/password`, {
      password: 'kept sessions passphrase',
      keepSessions: 'on',
    });
    expect(kept.headers.location).toBe(`${page}?notice=password-set&n=0`);
    expect((await getMe(server, token)).statusCode).toBe(200);
    expect(await signsIn(user.username, 'kept sessions passphrase')).toBe(true);
  });

  it('without the CSRF token nothing is set', async () => {
    const browser = await signedIn();
    const { user } = await createAppAndUser(server);
    const page = `${base}/users/${user.id}`;
    const forged = await browser.post(`${page}/password`, { password: 'forged passphrase here' });
    expect(forged.statusCode).toBe(403);
    expect(await signsIn(user.username, user.password)).toBe(true);
  });

  it('turns self sign-up on and off: /signup follows', async () => {
    const browser = await signedIn();
    const users = `${base}/users`;
    expect((await browser.get(users)).body).toContain('Turn sign-up on');
    expect((await server.app.inject({ method: 'GET', url: '/signup' })).statusCode).toBe(404);

    const on = await browser.submit(users, `${base}/sign-up`, { enabled: 'on' });
    expect(on.statusCode).toBe(303);
    const shown = await browser.get(on.headers.location as string);
    expect(shown.body).toContain('Self sign-up is on');
    expect(shown.body).toContain('Turn sign-up off');
    expect((await server.services.pools.get(server.pool.id))?.signUpEnabled).toBe(true);
    expect((await server.app.inject({ method: 'GET', url: '/signup' })).statusCode).toBe(200);

    await browser.submit(users, `${base}/sign-up`, { enabled: 'off' });
    expect((await server.services.pools.get(server.pool.id))?.signUpEnabled).toBe(false);
    expect((await server.app.inject({ method: 'GET', url: '/signup' })).statusCode).toBe(404);
  });

  it('writes times in UTC until the reader picks a zone, then in it; the way back stays in the console', async () => {
    const browser = await signedIn();
    const users = `${base}/users`;
    const before = await browser.get(users);
    expect(before.body).toContain('Times in <strong>UTC</strong>');
    expect(before.body).toMatch(/\d{2}:\d{2} UTC</);
    const change = `/console/time-zone?back=${encodeURIComponent(users)}`;
    expect(before.body).toContain(`href="${change.replaceAll('&', '&amp;')}"`);

    const saved = await browser.submit(change, '/console/time-zone', { tz: 'Asia/Tokyo', back: users });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(users);
    const after = await browser.get(users);
    expect(after.body).toContain('Times in <strong>Asia/Tokyo</strong>');
    expect(after.body).toMatch(/\d{2}:\d{2} Asia\/Tokyo</);
    expect(after.body).not.toMatch(/\d{2}:\d{2} UTC</);

    for (const back of ['https://evil.example/', '//evil.example/console', '/consoled', '/u']) {
      const away = await browser.submit('/console/time-zone', '/console/time-zone', { tz: 'UTC', back });
      expect(away.headers.location).toBe('/console');
    }
    const wrong = await browser.submit('/console/time-zone', '/console/time-zone', { tz: 'Mars/Olympus' });
    expect(wrong.statusCode).toBe(400);
  });

  it("draws the dashboard's hours in the reader's zone, named; a half-hour zone's columns run from :30", async () => {
    const browser = await signedIn();
    // A session ended within the chart's 72 hours, so that its table has a row.
    const { user } = await createAppAndUser(server);
    const { token } = await login(server, appId, user.username, user.password);
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });

    const utc = await browser.get(base);
    expect(utc.body).toContain('Sessions ended per hour, last 3 days (UTC)');
    expect(utc.body).toMatch(/, \d{2}:00–\d{2}:00 UTC</);

    await browser.submit('/console/time-zone', '/console/time-zone', {
      tz: 'Australia/Adelaide',
      back: base,
    });
    const local = await browser.get(base);
    expect(local.body).toContain('Sessions ended per hour, last 3 days (Australia/Adelaide)');
    expect(local.body).toContain('<th scope="col">Hour (Australia/Adelaide)</th>');
    expect(local.body).toMatch(/, \d{2}:30–\d{2}:30 Australia\/Adelaide</);
    expect(local.body).not.toMatch(/\d{2}:00 UTC</);
  });
});
