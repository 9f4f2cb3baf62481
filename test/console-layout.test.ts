// The console as an administrator sees it in Chromium (issue 11): the dashboard's charts are
// there — server-drawn SVG images with their titles, a bar per app with live sessions, the
// hours' ends and the notices — under the strict CSP (no console error); at 375 pixels wide
// nothing runs off the screen (the header wraps instead of overlapping the navigation, a wide
// table scrolls inside its card); at 1280 no word, email or badge is cut in a cell; the header
// and the body share one width.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, launchChromium, useIsolatedPages } from './helpers/browser.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

describe.skipIf(!chromiumExecutable)('console layout in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let wiki: { id: string };
  let base: string;
  const current = useIsolatedPages(
    () => browser,
    () => [server.url],
  );

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    browser = await launchChromium();
    base = `${server.url}/console/pools/${server.pool.id}`;
    // Two apps with people signed in, one with a back-channel URI nobody answers; ends of
    // three kinds: a user's logout, an administrator's kick, and a whole session.
    ({ app: wiki } = await createAppAndUser(server, { name: 'Team Wiki' }));
    const { app: billing } = await createAppAndUser(server, {
      name: 'Billing',
      backchannelLogoutUri: 'http://127.0.0.1:9/nobody',
    });
    const people = [];
    const headers = await server.adminHeaders();
    for (const name of ['grace', 'heidi', 'ivan', 'judy']) {
      const username = `${name}-${wiki.id.slice(0, 4)}`;
      const password = 'correct horse battery';
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v2/users',
        headers,
        payload: { username, email: `${name}.with.a.long.address@example.com`, password },
      });
      const user = { ...(res.json().data as { id: string }), username, password };
      people.push(user);
      await login(server, wiki.id, user.username, user.password);
    }
    for (const u of people.slice(0, 2)) await login(server, billing.id, u.username, u.password);
    const leaving = await login(server, wiki.id, people[3]!.username, people[3]!.password);
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${leaving.token}` },
    });
    await server.services.logout.kickFromApp(server.pool.id, billing.id, [people[0]!.id], {
      type: 'admin',
      id: 'admin@example.com',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(page: Page) {
    await page.goto(`${server.url}/console`);
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByLabel('Password').fill('admin-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  }

  it('the dashboard draws its three charts as SVG images with titles, descriptions and a bar per value', async () => {
    const { page } = current;
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page);
    const charts = page.locator('svg.chart-svg[role="img"]');
    await expect(charts.count()).resolves.toBe(3);
    const titles = await charts.evaluateAll((svgs) =>
      svgs.map((svg) => {
        const labelled = (svg.getAttribute('aria-labelledby') ?? '').split(' ');
        return labelled.map((id) => document.getElementById(id)?.textContent ?? '');
      }),
    );
    expect(titles.map(([title]) => title)).toEqual([
      'Live sessions per app',
      'Notices to apps',
      'Sessions ended per hour, last 3 days (UTC)',
    ]);
    // Each description says in words what its chart shows.
    expect(titles[0]![1]).toBe('Team Wiki: 4 sessions; Billing: 1 session.');
    expect(titles[1]![1]).toContain(
      'Back-channel logout: 0 delivered in the last 3 days, 1 pending, 0 failed.',
    );
    expect(titles[2]![1]).toMatch(/^2 sessions ended in the last 3 days: 1 by users, 1 by administrators\./);

    // A bar per app with live sessions, with its tooltip; one per non-zero count of notices; the
    // hour's ends stacked by who ended them.
    const bars = (chart: number) =>
      charts
        .nth(chart)
        .locator('rect.bar')
        .evaluateAll((rects) =>
          rects.map((r) => ({
            title: r.querySelector('title')?.textContent ?? '',
            width: r.getBoundingClientRect().width,
          })),
        );
    const live = await bars(0);
    expect(live.map((b) => b.title)).toEqual([
      'Team Wiki: 4 live sessions of 4 users',
      'Billing: 1 live session of 1 user',
    ]);
    expect(live[0]!.width).toBeGreaterThan(live[1]!.width * 2.5);
    expect((await bars(1)).map((b) => b.title)).toEqual([
      'Back-channel logout: 1 notice waiting to be delivered',
    ]);
    const ends = await bars(2);
    expect(ends.map((b) => b.title.replace(/^.*UTC: /, '')).sort()).toEqual([
      '1 session ended by administrators',
      '1 session ended by users',
    ]);
    await expect(page.getByRole('list', { name: 'Ended by' }).getByRole('listitem').count()).resolves.toBe(6);
    // The numbers, for whoever cannot see the charts.
    await page.getByText('The numbers').first().click();
    await expect(
      page
        .getByRole('table', { name: 'Live sessions per app' })
        .getByRole('row', { name: /Team Wiki/ })
        .textContent(),
    ).resolves.toMatch(/Team Wiki\s*4\s*4/);
  });

  it('at 375 pixels nothing overflows the screen: the header wraps above the navigation, a wide table scrolls in its card', async () => {
    const { page } = current;
    await page.setViewportSize({ width: 375, height: 812 });
    await signIn(page);
    for (const path of ['', '/apps', `/apps/${wiki.id}`, '/users', '/audit']) {
      await page.goto(`${base}${path}`);
      const layout = await page.evaluate(() => {
        const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
        const header = box('.site-header');
        const nav = box('.console-nav');
        const tools = Array.from(
          document.querySelectorAll('.site-header-inner > *, .console-header-tools *'),
          (e) => e.getBoundingClientRect(),
        );
        return {
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth,
          headerBottom: header.bottom,
          navTop: nav.top,
          toolsInside: tools.every((r) => r.left >= 0 && r.right <= innerWidth && r.bottom <= header.bottom),
        };
      });
      expect(layout.scrollWidth, path).toBeLessThanOrEqual(layout.innerWidth);
      expect(layout.headerBottom, path).toBeLessThanOrEqual(layout.navTop);
      expect(layout.toolsInside, path).toBe(true);
    }
    // The Login status table is wider than the screen: its wrapper scrolls, the page does not.
    await page.goto(`${base}/apps/${wiki.id}`);
    const wrap = page.locator('.table-wrap').first();
    const scroll = await wrap.evaluate((el) => {
      const before = { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth };
      el.scrollLeft = 200;
      return { ...before, scrolledTo: el.scrollLeft, page: document.documentElement.scrollWidth, innerWidth };
    });
    expect(scroll.scrollWidth).toBeGreaterThan(scroll.clientWidth);
    expect(scroll.scrolledTo).toBeGreaterThan(0);
    expect(scroll.page).toBeLessThanOrEqual(scroll.innerWidth);
  });

  it('at 1280 pixels no cell cuts a word, an email or a badge, and the header spans what the body spans', async () => {
    const { page } = current;
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page);
    /** Words of the cells matching `selector` that are split over two lines. */
    const cutWords = (selector: string) =>
      page.locator(selector).evaluateAll((cells) =>
        cells.flatMap((cell) => {
          const cut: string[] = [];
          const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent ?? '';
            for (const m of text.matchAll(/\S+/g)) {
              const range = document.createRange();
              range.setStart(node, m.index);
              range.setEnd(node, m.index + m[0].length);
              const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
              if (lines.size > 1) cut.push(m[0]);
            }
          }
          return cut;
        }),
      );
    await page.goto(`${base}/apps/${wiki.id}`);
    await expect(cutWords('table.data td, table.data th')).resolves.toEqual([]);
    await page.goto(`${base}/audit`);
    await expect(cutWords('table.data td, table.data th, .status, .badge')).resolves.toEqual([]);
    await page.goto(`${base}/users`);
    await expect(cutWords('table.data td, table.data th')).resolves.toEqual([]);

    // One width for the header and the body, on a screen wider than both.
    await page.setViewportSize({ width: 1600, height: 900 });
    const edges = await page.evaluate(() => {
      const inner = document.querySelector('.site-header-inner')!.getBoundingClientRect();
      const body = document.querySelector('.console')!.getBoundingClientRect();
      return { header: [inner.left, inner.right], body: [body.left, body.right] };
    });
    expect(edges.header).toEqual(edges.body);
  });
});
