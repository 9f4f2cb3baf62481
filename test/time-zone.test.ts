// The personal center writes times in the reader's time zone once they chose one (a small form,
// no script: the browser keeps the choice in a cookie), UTC until then, and always says which.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { pageClient } from './helpers/page-client.ts';
import { createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

describe('time zone of the personal center', () => {
  let server: TestServer;
  let user: { username: string; password: string };
  // Every session here signs in at 14:05 UTC on 3 May 2026.
  const clock = createManualClock(Date.UTC(2026, 4, 3, 14, 5));

  beforeAll(async () => {
    server = await startTestServer({ clock });
    ({ user } = await createAppAndUser(server));
  });
  afterAll(() => server.close());

  async function signedIn() {
    const browser = pageClient(server);
    expect(
      (await browser.submit('/login', '/login', { account: user.username, password: user.password }))
        .statusCode,
    ).toBe(303);
    return browser;
  }

  it('shows UTC, labelled, until the reader chooses', async () => {
    const browser = await signedIn();
    const page = (await browser.get('/u')).body;
    expect(page).toContain('3 May 2026, 14:05 UTC');
    expect(page).toContain('Times on these pages are shown in <strong>UTC</strong>.');
    expect(page).toContain('<label for="tz">Time zone</label>');
    expect(page).toContain('<option value="UTC" selected>UTC</option>');
  });

  it('the Time zone form stores the choice in this browser; the times follow, labelled', async () => {
    const browser = await signedIn();
    const saved = await browser.submit('/u', '/u/time-zone', { tz: 'Asia/Tokyo' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/u?notice=time-zone-saved');
    expect(saved.cookies.find((c) => c.name === 'signoff_tz')).toMatchObject({
      value: 'Asia/Tokyo',
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    const page = (await browser.get('/u?notice=time-zone-saved')).body;
    expect(page).toContain('Time zone saved.');
    expect(page).toContain('3 May 2026, 23:05 Asia/Tokyo');
    expect(page).not.toContain('14:05 UTC');
    expect(page).toContain('<option value="Asia/Tokyo" selected>Asia/Tokyo</option>');
    // The choice outlives signing out: it is the browser's, not the session's.
    await browser.submit('/u', '/u/logout', {});
    expect(browser.cookie('signoff_tz')).toBe('Asia/Tokyo');
  });

  it('a zone that does not exist, or a form without its token, changes nothing', async () => {
    const browser = await signedIn();
    const bad = await browser.submit('/u', '/u/time-zone', { tz: 'Mars/Olympus_Mons' });
    expect(bad.statusCode).toBe(400);
    expect(browser.cookie('signoff_tz')).toBeUndefined();
    const forged = await browser.post('/u/time-zone', { tz: 'Asia/Tokyo' });
    expect(forged.statusCode).toBe(403);
    expect(browser.cookie('signoff_tz')).toBeUndefined();
    // A cookie naming no zone (set by hand, or by an older version) is read as UTC.
    browser.setCookie('signoff_tz', 'Nowhere%2FLand');
    expect((await browser.get('/u')).body).toContain('3 May 2026, 14:05 UTC');
  });
});
