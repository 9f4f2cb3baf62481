// The personal center's routes in process: the sign-in redirect, CSRF on its three forms, whose
// sessions may be ended, the confirmation before End session and Log out other devices, and escaping of what users typed into their profile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageClient } from './helpers/page-client.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

describe('personal center forms', () => {
  let server: TestServer;
  let appId: string;
  let user: { id: string; username: string; email: string; password: string };

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
      user,
    } = await createAppAndUser(server, { name: 'Team <Wiki>' }, { name: '<img src=x onerror=alert(1)>' }));
  });
  afterAll(() => server.close());

  async function signedInBrowser() {
    const browser = pageClient(server);
    const res = await browser.submit('/login', '/login', { account: user.username, password: user.password });
    expect(res.statusCode).toBe(303);
    // An app joins the browser's session: its token tells whether the session lives.
    const { token } = await login(server, appId, user.username, user.password, browser.cookieHeader());
    return { browser, token };
  }

  const sidOf = (token: string) => {
    const checked = server.services.tokens.verifyAccessToken(token);
    if (!checked.ok) throw new Error(checked.reason);
    return checked.claims.sessionId;
  };

  it('without a session, /u sends the browser to sign in and back', async () => {
    const res = await pageClient(server).get('/u');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/login?return_to=/u');
  });

  it('shows the sessions with their apps by name, and escapes what users and admins typed', async () => {
    const { browser } = await signedInBrowser();
    const res = await browser.get('/u');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.body).not.toContain('<img');
    expect(res.body).toContain('<dd>Team &lt;Wiki&gt;</dd>');
    expect(res.body).toContain('This device');
    expect(res.body).toContain('<span class="visually-hidden">Account menu for </span>');
  });

  it.each([
    ['Log out', '/u/logout'],
    ['Log out other devices', '/u/sessions/end-others'],
    ['End session', '/u/sessions/:sid/end'],
  ])('%s without a valid CSRF token: 403, nothing ended', async (_name, action) => {
    const { browser, token } = await signedInBrowser();
    const other = await login(server, appId, user.username, user.password);
    const url = action.replace(':sid', sidOf(other.token));
    const attempts: Record<string, string>[] = [{}, { csrf: 'forged' }];
    for (const fields of attempts) {
      const res = await browser.post(url, fields);
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('This form has expired');
    }
    expect((await getMe(server, token)).statusCode).toBe(200);
    expect((await getMe(server, other.token)).statusCode).toBe(200);
    expect((await browser.get('/u')).statusCode).toBe(200);
  });

  it('End session asks first: the first post ends nothing and names the device and its apps', async () => {
    const { browser, token } = await signedInBrowser();
    const other = await login(server, appId, user.username, user.password);
    const asked = await browser.submit('/u', `/u/sessions/${sidOf(other.token)}/end`, {});
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('<h1 id="confirm-title">End the session on ');
    expect(asked.body).toContain('That device is signed out of every app at once.');
    expect(asked.body).toContain('apps: Team &lt;Wiki&gt;');
    expect(asked.body).toContain('<a class="button button-secondary" href="/u#sessions-title">Cancel</a>');
    expect((await getMe(server, other.token)).statusCode).toBe(200);

    const done = await browser.confirm(asked);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/u?notice=session-ended');
    expect((await getMe(server, other.token)).statusCode).toBe(401);
    expect((await getMe(server, token)).statusCode).toBe(200);
  });

  it('Log out other devices asks first, listing them; Confirm ends them and keeps this one', async () => {
    const { browser, token } = await signedInBrowser();
    const others = [
      await login(server, appId, user.username, user.password),
      await login(server, appId, user.username, user.password),
    ];
    const asked = await browser.submit('/u', '/u/sessions/end-others', {});
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('<h1 id="confirm-title">Log out your other devices?</h1>');
    expect(asked.body).toMatch(/\d+ other devices are signed out of every app at once/);
    expect(asked.body).toContain('>Log out other devices</button>');
    for (const o of others) expect((await getMe(server, o.token)).statusCode).toBe(200);

    const done = await browser.confirm(asked);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/u?notice=others-ended');
    for (const o of others) expect((await getMe(server, o.token)).statusCode).toBe(401);
    expect((await getMe(server, token)).statusCode).toBe(200);
    // With no other device left there is nothing to confirm.
    const again = await browser.submit('/u', '/u/sessions/end-others', {});
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/u?notice=others-ended');
  });

  it('End session on a session of another user ends nothing, asked or confirmed', async () => {
    const { user: stranger } = await createAppAndUser(server);
    const theirs = await login(server, appId, stranger.username, stranger.password);
    const { browser } = await signedInBrowser();
    for (const fields of [{}, { confirm: 'yes' }] as Record<string, string>[]) {
      const res = await browser.submit('/u', `/u/sessions/${sidOf(theirs.token)}/end`, fields);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/u?notice=already-ended');
    }
    expect((await getMe(server, theirs.token)).statusCode).toBe(200);
  });

  it('End session on this device signs it out like Log out, once confirmed', async () => {
    const { browser, token } = await signedInBrowser();
    const asked = await browser.submit('/u', `/u/sessions/${sidOf(token)}/end`, {});
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('you are signed out here');
    expect((await getMe(server, token)).statusCode).toBe(200);
    const res = await browser.confirm(asked);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signed-out');
    expect(browser.cookie('signoff_session')).toBeUndefined();
    expect(browser.cookie('signoff_csrf')).toBeUndefined();
    expect((await getMe(server, token)).statusCode).toBe(401);
  });

  it('Log out ends the session, expires both cookies and shows the signed-out page', async () => {
    const { browser, token } = await signedInBrowser();
    const res = await browser.submit('/u', '/u/logout', {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signed-out');
    expect(browser.cookie('signoff_session')).toBeUndefined();
    expect(browser.cookie('signoff_csrf')).toBeUndefined();
    const me = await getMe(server, token);
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe(2020);
    const page = await browser.get('/signed-out');
    expect(page.body).toContain('<h1>You are signed out</h1>');
    expect(page.body).toContain(
      '<a class="button button-primary button-block" href="/login">Sign in again</a>',
    );
    expect((await browser.get('/u')).headers.location).toBe('/login?return_to=/u');
  });
});
