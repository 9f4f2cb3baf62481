// The administrator console's screenshots for docs/console.md, each page at 1280 and at 375
// pixels wide (`console-<page>.png`, `console-<page>-375.png`): a few users signed in to the
// wiki, three days of session ends and notices behind the dashboard, a Force logout through
// its confirmation, a job, a failed delivery. Called by scripts/screenshots.ts.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { newId } from '../src/domain/ids.ts';
import type { EndReason } from '../src/domain/model.ts';
import { SUPPORTED_EVENTS } from '../src/domain/ssf/security-events.ts';
import type { TestServer } from '../test/helpers/server.ts';

const HOUR = 3_600_000;
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 375, height: 812 };

export interface ConsoleShotContext {
  out: string;
  wiki: { id: string };
  billing: { id: string };
  /** A third app, with a few of the users signed in to it. */
  help: { id: string };
  password: string;
  userAgents: string[];
}

async function api(server: TestServer, method: 'POST' | 'PATCH', url: string, payload: object, extra = {}) {
  const headers = await server.adminHeaders();
  return server.app.inject({ method, url, headers: { ...headers, ...extra }, payload });
}

/** Users signed in to the wiki from their devices, and a failed back-channel delivery for Billing. */
async function seedPeople(server: TestServer, ctx: ConsoleShotContext) {
  const people = [
    { username: 'bob', name: 'Bob Cratchit', ip: '192.0.2.40', ua: ctx.userAgents[1]! },
    { username: 'carol', name: 'Carol Danvers', ip: '198.51.100.23', ua: ctx.userAgents[0]! },
    { username: 'dave', name: null, ip: '203.0.113.77', ua: ctx.userAgents[2]! },
    { username: 'grace', name: 'Grace Hopper', ip: '192.0.2.91', ua: ctx.userAgents[1]! },
  ];
  for (const p of people) {
    await api(server, 'POST', '/api/v2/users', {
      username: p.username,
      email: `${p.username}@example.com`,
      ...(p.name ? { name: p.name } : {}),
      password: ctx.password,
    });
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      remoteAddress: p.ip,
      headers: { 'x-authing-app-id': ctx.wiki.id, 'user-agent': p.ua },
      payload: { account: p.username, password: ctx.password },
    });
  }
  for (const [i, p] of people.slice(1).entries()) {
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      remoteAddress: p.ip,
      headers: { 'x-authing-app-id': i === 0 ? ctx.billing.id : ctx.help.id, 'user-agent': p.ua },
      payload: { account: p.username, password: ctx.password },
    });
  }
  await api(server, 'PATCH', `/api/v2/applications/${ctx.billing.id}`, {
    backchannelLogoutUri: 'https://billing.example.com/backchannel-logout',
  });
  const alice = await server.store.users.findByAccount(server.pool.id, 'alice');
  await server.app.inject({
    method: 'POST',
    url: '/api/v2/login/account',
    remoteAddress: '203.0.113.24',
    headers: { 'x-authing-app-id': ctx.billing.id, 'user-agent': ctx.userAgents[1]! },
    payload: { account: 'alice', password: ctx.password },
  });
  await server.services.logout.kickFromApp(server.pool.id, ctx.billing.id, [alice!.id], {
    type: 'admin',
    id: 'admin@example.com',
  });
  const [delivery] = (await server.services.logoutDeliveries.list(server.pool.id, ctx.billing.id, null, 0, 1))
    .list;
  if (delivery) {
    await server.store.deliveries.markFailed(
      server.pool.id,
      delivery.id,
      8,
      'getaddrinfo ENOTFOUND billing.example.com',
    );
  }
}

/**
 * Three days of history for the dashboard, written through the store at past times: sessions
 * of the pool's users ended by hour — users logging out in the daytime, expiries at night, an
 * administrator's kick now and then — with the wiki's event stream and Billing's back-channel
 * notices, most of them delivered.
 */
async function seedHistory(server: TestServer, ctx: ConsoleShotContext) {
  const { store } = server;
  const poolId = server.pool.id;
  const users = (await store.users.list(poolId, null, 0, 100)).list;
  const now = Date.now();
  await store.ssf.createStream({
    id: newId(),
    poolId,
    appId: ctx.wiki.id,
    delivery: 'poll',
    endpointUrl: null,
    authorizationHeader: null,
    eventsRequested: null,
    eventsDelivered: [...SUPPORTED_EVENTS],
    description: 'Wiki API',
    status: 'enabled',
    statusReason: null,
    createdAt: now - 80 * HOUR,
    updatedAt: now - 80 * HOUR,
    lastPolledAt: now - 60_000,
    lastVerificationAt: null,
  });
  for (let h = 71; h >= 1; h--) {
    const at = now - h * HOUR;
    const hourOfDay = new Date(at).getUTCHours();
    const day = hourOfDay >= 8 && hourOfDay <= 19;
    const plan: [EndReason, number][] = [
      ['user_logout', day ? 1 + ((h * 7) % 4) : h % 3 === 0 ? 1 : 0],
      ['expired', day ? 0 : 1 + (h % 2)],
      ['admin_kick', h % 17 === 0 ? 3 : 0],
      ['app_logout', h % 5 === 0 && day ? 1 : 0],
    ];
    for (const [reason, count] of plan) {
      for (let i = 0; i < count; i++) {
        const user = users[(h + i) % users.length]!;
        const app = (h + i) % 3 === 0 ? ctx.billing.id : ctx.wiki.id;
        const sessionId = newId();
        const started = at - 2 * HOUR;
        await store.sessions.create(
          {
            id: sessionId,
            poolId,
            userId: user.id,
            secretHash: newId(),
            userAgent: ctx.userAgents[0]!,
            ip: '192.0.2.10',
            device: { browser: 'Firefox 128', os: 'Windows 10', platform: 'desktop' },
            createdAt: started,
            authenticatedAt: started,
            lastActiveAt: started,
            idleExpiresAt: at + HOUR,
            expiresAt: at + 24 * HOUR,
            endedAt: null,
            endReason: null,
          },
          {
            id: newId(),
            sessionId,
            poolId,
            appId: app,
            userId: user.id,
            createdAt: started,
            lastActiveAt: started,
            endedAt: null,
            endReason: null,
          },
        );
        const actor =
          reason === 'admin_kick'
            ? { type: 'admin' as const, id: 'admin@example.com' }
            : reason === 'expired'
              ? { type: 'system' as const, id: null }
              : reason === 'app_logout'
                ? { type: 'app' as const, id: app }
                : { type: 'user' as const, id: user.id };
        await store.sessions.end(
          { scope: 'sessions', poolId, sessionIds: [sessionId] },
          { at: at + i * 60_000, reason, actor, recordId: newId() },
        );
      }
    }
  }
  // Most notices were delivered long ago; the last few wait, one failed (seedPeople's).
  const pending = (await store.deliveries.list(poolId, ctx.billing.id, 'pending', 0, 1000)).list;
  for (const d of pending.slice(3)) await store.deliveries.markDelivered(poolId, d.id, 1, d.createdAt + 800);
  const [stream] = await store.ssf.listStreams(poolId, ctx.wiki.id);
  const sets = await store.ssf.pollable(poolId, stream!.id, 1000);
  await store.ssf.acknowledge(
    poolId,
    stream!.id,
    sets.slice(0, -4).map((s) => s.id),
    now - 90_000,
  );
}

export async function consoleShots(server: TestServer, browser: Browser, ctx: ConsoleShotContext) {
  await seedPeople(server, ctx);
  await seedHistory(server, ctx);
  const wide = await browser.newPage({ viewport: WIDE });
  const narrow = await browser.newPage({ viewport: NARROW });
  const shot = async (name: string, options: { fullPage?: boolean } = {}) => {
    for (const [page, suffix] of [
      [wide, ''],
      [narrow, '-375'],
    ] as const) {
      const file = path.join(ctx.out, `console-${name}${suffix}.png`);
      await page.screenshot({ path: file, fullPage: options.fullPage ?? false });
      console.log(file);
    }
  };
  /** The wide page's address, opened in the narrow one too. */
  const follow = async () => {
    await narrow.goto(wide.url());
  };
  const both = async (act: (page: Page) => Promise<void>) => {
    await act(wide);
    await act(narrow);
  };
  try {
    await both(async (page) => {
      await page.goto(`${server.url}/console`);
    });
    await shot('sign-in');
    await both(async (page) => {
      await page.getByLabel('Email').fill('admin@example.com');
      await page.getByLabel('Password').fill('admin-password-123');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    });
    await shot('dashboard', { fullPage: true });
    await both(async (page) => {
      await page.getByRole('link', { name: 'Applications' }).click();
      await page.waitForURL(/\/apps$/);
    });
    await shot('apps');

    await wide.goto(`${server.url}/console/pools/${server.pool.id}/users`);
    await follow();
    await shot('users');

    await both(async (page) => {
      await page.getByRole('link', { name: 'alice', exact: true }).click();
      await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    });
    await shot('user');

    // Force logout on a row: the confirmation says who; Confirm ends it.
    await both(async (page) => {
      await page.goto(`${server.url}/console/pools/${server.pool.id}/apps/${ctx.wiki.id}`);
      await page.getByRole('button', { name: 'Force logout bob', exact: true }).click();
      await page.getByRole('button', { name: 'Confirm' }).waitFor();
    });
    await shot('confirm');
    await wide.getByRole('button', { name: 'Confirm' }).click();
    await wide.getByRole('status').waitFor();
    await follow();
    await both(async (page) => {
      await page.getByRole('checkbox', { name: 'Select carol' }).check();
      await page.getByRole('heading', { name: 'Login status' }).evaluate((h) => h.scrollIntoView());
    });
    await shot('login-status');

    // A running job is a moment: the screenshot shows the finished one, as its page does after.
    await wide.getByRole('button', { name: 'Log out everyone from this app' }).click();
    await wide.getByRole('button', { name: 'Confirm' }).click();
    await wide.waitForURL(/\/bulk-logouts\//);
    await server.services.bulkLogouts.settle();
    await wide.reload();
    await follow();
    await shot('bulk-logout');

    await wide.goto(`${server.url}/console/pools/${server.pool.id}/apps/${ctx.billing.id}/deliveries`);
    await follow();
    await shot('deliveries');

    await wide.goto(`${server.url}/console/pools/${server.pool.id}/audit`);
    await follow();
    await shot('audit');
  } finally {
    await wide.close();
    await narrow.close();
  }
}
