// Sign-in throttles (issue 10, findings 3 and 9): one counter per user across the hosted
// page, the REST API and the Kontenbase route, however the account is typed; made-up accounts
// locked the way real ones are; console lockouts per (email, address) with a growing backoff;
// counts shared by two nodes through Redis, and sign-in going on when the counts' store fails.
// Time moves on a manual clock.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThrottleRefusal } from '../src/domain/auth/throttle.ts';
import { createManualClock } from '../src/domain/clock.ts';
import {
  createMemoryThrottleCounters,
  type ThrottleCounters,
  withMemoryFallback,
} from '../src/throttle/counters.ts';
import { createRedisThrottleCounters } from '../src/throttle/redis-counters.ts';
import { postgresUrl, redisUrl } from './helpers/environment.ts';
import { pageClient } from './helpers/page-client.ts';
import { createAppAndUser, quietLog, startTestServer, type TestServer } from './helpers/server.ts';

const MINUTE = 60_000;

describe('sign-in throttle: one counter per user, on every route', () => {
  let server: TestServer;
  const clock = createManualClock(Date.now());
  let appId: string;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    ({
      app: { id: appId },
    } = await createAppAndUser(server));
  });
  afterAll(() => server.close());

  // A fresh address per attempt: only the per-account count can lock anything here.
  let nextAddress = 1;
  const address = () => {
    const n = nextAddress++;
    return `10.0.${n >> 8}.${n & 255}`;
  };

  type Route = 'page' | 'api' | 'kontenbase';
  async function signIn(route: Route, account: string, password: string): Promise<number> {
    const remoteAddress = address();
    if (route === 'page') {
      return (await pageClient(server).submit('/login', '/login', { account, password }, { remoteAddress }))
        .statusCode;
    }
    const res = await server.app.inject({
      method: 'POST',
      remoteAddress,
      ...(route === 'api'
        ? {
            url: '/api/v2/login/account',
            headers: { 'x-authing-app-id': appId },
            payload: { account, password },
          }
        : { url: `/query/api/v1/${appId}/auth/login`, payload: { email: account, password } }),
    });
    return res.statusCode;
  }
  const ok = (route: Route) => (route === 'page' ? 303 : 200);
  const ROUTES: Route[] = ['page', 'api', 'kontenbase'];

  async function newUser(username: string) {
    const { user } = await createAppAndUser(server, {}, { username, email: `${username}@example.com` });
    return user;
  }

  it('after alice@example.com is locked, ALICE@…, Alice@… and alice are locked too, on every route', async () => {
    for (const lockedOn of ROUTES) {
      const alice = await newUser(`alice-${lockedOn}`);
      for (let i = 0; i < 5; i++) expect(await signIn(lockedOn, alice.email, `guess ${i}`)).toBe(401);
      const [local, domain] = alice.email.split('@') as [string, string];
      const names = [
        alice.email,
        alice.email.toUpperCase(),
        `${local[0]!.toUpperCase()}${local.slice(1)}@${domain}`,
        alice.username,
      ];
      for (const route of ROUTES) {
        for (const name of names) {
          // The page's form has no email field of its own, Kontenbase's has no username one;
          // each takes what the store matches.
          if (route === 'kontenbase' && name === alice.username) continue;
          expect(await signIn(route, name, alice.password), `${lockedOn} → ${route} ${name}`).toBe(429);
        }
      }
      clock.advance(15 * MINUTE);
      expect(await signIn('api', alice.username, alice.password)).toBe(200);
    }
  });

  it('failures on the API, Kontenbase and the hosted page add up to one count', async () => {
    const carol = await newUser('carol');
    expect(await signIn('api', carol.username, 'guess 1')).toBe(401);
    expect(await signIn('api', carol.email, 'guess 2')).toBe(401);
    expect(await signIn('kontenbase', carol.email.toUpperCase(), 'guess 3')).toBe(401);
    expect(await signIn('page', carol.username, 'guess 4')).toBe(401);
    expect(await signIn('page', carol.email, 'guess 5')).toBe(401);
    for (const route of ROUTES) expect(await signIn(route, carol.email, carol.password), route).toBe(429);
    clock.advance(15 * MINUTE);
    for (const route of ROUTES)
      expect(await signIn(route, carol.email, carol.password), route).toBe(ok(route));
  });

  it('a correct password on one route clears the count on all of them', async () => {
    const dave = await newUser('dave');
    for (let i = 0; i < 4; i++) expect(await signIn('page', dave.username, `guess ${i}`)).toBe(401);
    expect(await signIn('kontenbase', dave.email, dave.password)).toBe(200);
    for (let i = 0; i < 4; i++) expect(await signIn('api', dave.email, `guess ${i}`)).toBe(401);
    expect(await signIn('page', dave.username, dave.password)).toBe(303);
  });

  it('a burst of parallel guesses gets no more passwords checked than the limit', async () => {
    const erin = await newUser('erin');
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(i % 2 ? 'api' : 'kontenbase', erin.email, `guess ${i}`)),
    );
    expect(burst.filter((status) => status === 401)).toHaveLength(5);
    expect(burst.filter((status) => status === 429)).toHaveLength(15);
    clock.advance(15 * MINUTE);
  });

  it('a made-up account locks exactly like a real one: zed/Zed like bob/Bob, zed@…/ZED@… like bob@…/BOB@…', async () => {
    await newUser('bob');
    /** What a guesser sees: 5 wrong passwords for `name`, then one each for `name` and `variant`. */
    async function outcomes(route: Route, name: string, variant: string) {
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) seen.push(await signIn(route, name, `guess ${i}`));
      seen.push(await signIn(route, name, 'guess 5'), await signIn(route, variant, 'guess 6'));
      clock.advance(15 * MINUTE);
      return seen;
    }
    for (const route of ['page', 'api'] as const) {
      const real = await outcomes(route, 'bob', 'Bob');
      expect(real, route).toEqual([401, 401, 401, 401, 401, 429, 401]);
      expect(await outcomes(route, 'zed', 'Zed'), route).toEqual(real);
    }
    for (const route of ROUTES) {
      const real = await outcomes(route, 'bob@example.com', 'BOB@example.com');
      expect(real, route).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expect(await outcomes(route, 'zed@example.com', 'ZED@example.com'), route).toEqual(real);
    }
  });
});

describe('console sign-in throttle', () => {
  let server: TestServer;
  const clock = createManualClock(Date.now());
  const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };

  beforeAll(async () => {
    server = await startTestServer({ clock });
  });
  afterAll(() => server.close());

  const signIn = (fields: { email: string; password: string }, remoteAddress: string) =>
    pageClient(server).submit('/console/login', '/console/login', fields, { remoteAddress });

  async function lockOut(email: string, remoteAddress: string) {
    for (let i = 0; i < 5; i++) {
      expect((await signIn({ email, password: `guess ${i}` }, remoteAddress)).statusCode).toBe(401);
    }
  }

  it('5 wrong passwords from address A lock A only: the owner signs in from address B', async () => {
    await lockOut(ADMIN.email, '203.0.113.1');
    const fromA = await signIn(ADMIN, '203.0.113.1');
    expect(fromA.statusCode).toBe(429);
    expect(fromA.headers['retry-after']).toBe(String(15 * 60));
    expect(fromA.cookies.find((c) => c.name === 'signoff_console')).toBeUndefined();
    // The email in another case is the same administrator at the same address.
    expect((await signIn({ ...ADMIN, email: ADMIN.email.toUpperCase() }, '203.0.113.1')).statusCode).toBe(
      429,
    );

    const fromB = await signIn(ADMIN, '203.0.113.2');
    expect(fromB.statusCode).toBe(303);
    expect(fromB.cookies.find((c) => c.name === 'signoff_console')).toBeDefined();
    // Signing in from B does not unlock A.
    expect((await signIn(ADMIN, '203.0.113.1')).statusCode).toBe(429);
    clock.advance(15 * MINUTE);
    expect((await signIn(ADMIN, '203.0.113.1')).statusCode).toBe(303);
  });

  it('a repeated lockout lasts longer: 15 minutes, then 30, then 60', async () => {
    const ip = '203.0.113.10';
    for (const minutes of [15, 30, 60]) {
      await lockOut(ADMIN.email, ip);
      const locked = await signIn(ADMIN, ip);
      expect(locked.statusCode).toBe(429);
      expect(locked.headers['retry-after']).toBe(String(minutes * 60));
      expect(locked.body).toContain(`${minutes} minutes`);
      clock.advance(minutes * MINUTE - 1000);
      expect((await signIn(ADMIN, ip)).statusCode).toBe(429);
      clock.advance(1000);
    }
    // The owner elsewhere was never held up; a success at the address starts it afresh.
    expect((await signIn(ADMIN, '203.0.113.11')).statusCode).toBe(303);
    expect((await signIn(ADMIN, ip)).statusCode).toBe(303);
    await lockOut(ADMIN.email, ip);
    expect((await signIn(ADMIN, ip)).headers['retry-after']).toBe(String(15 * 60));
    clock.advance(15 * MINUTE);
  });

  it('addresses of one IPv6 /64 count as one address; another /64 is another', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await signIn({ ...ADMIN, password: `guess ${i}` }, `2001:db8:1:2::${i.toString(16)}`);
      expect(res.statusCode).toBe(401);
    }
    expect((await signIn(ADMIN, '2001:db8:1:2:ffff:1:2:3')).statusCode).toBe(429);
    expect((await signIn(ADMIN, '2001:db8:1:3::1')).statusCode).toBe(303);
    clock.advance(15 * MINUTE);
  });

  it('one address trying many emails is stopped by the per-address limit', async () => {
    const ip = '203.0.113.20';
    for (let i = 0; i < 50; i++) {
      expect((await signIn({ email: `admin${i}@example.com`, password: 'password1' }, ip)).statusCode).toBe(
        401,
      );
    }
    expect((await signIn(ADMIN, ip)).statusCode).toBe(429);
    expect((await signIn(ADMIN, '203.0.113.21')).statusCode).toBe(303);
    clock.advance(15 * MINUTE);
    expect((await signIn(ADMIN, ip)).statusCode).toBe(303);
  });
});

const pg = postgresUrl();
const redis = redisUrl();

/** Signs in through the API: the status. */
async function apiSignIn(
  server: TestServer,
  appId: string,
  account: string,
  password: string,
  remoteAddress = '192.0.2.1',
) {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v2/login/account',
    remoteAddress,
    headers: { 'x-authing-app-id': appId },
    payload: { account, password },
  });
  return res.statusCode;
}

describe('throttle refusals and a failing counts store', () => {
  it('every refusal is reported to onThrottleRefused, naming the throttle and the rule', async () => {
    const refusals: ThrottleRefusal[] = [];
    const server = await startTestServer({ onThrottleRefused: (r) => refusals.push(r) });
    try {
      const { app, user } = await createAppAndUser(server);
      for (let i = 0; i < 5; i++)
        expect(await apiSignIn(server, app.id, user.username, `guess ${i}`)).toBe(401);
      expect(refusals).toEqual([]);
      expect(await apiSignIn(server, app.id, user.email, user.password)).toBe(429);
      expect(refusals).toEqual([{ throttle: 'sign-in', rules: ['account'], retryAt: expect.any(Number) }]);
    } finally {
      await server.close();
    }
  });

  it('when the counts cannot be reached, sign-in goes on, throttled in memory, with one warning', async () => {
    const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    const unreachable: ThrottleCounters = {
      kind: 'redis',
      read: down,
      add: down,
      remove: down,
      clear: down,
      close: async () => {},
    };
    const warnings: string[] = [];
    const server = await startTestServer({
      throttleCounters: unreachable,
      log: { ...quietLog, warn: (_obj, msg) => warnings.push(msg ?? '') },
    });
    try {
      const { app, user } = await createAppAndUser(server);
      expect(await apiSignIn(server, app.id, user.username, user.password)).toBe(200);
      for (let i = 0; i < 5; i++)
        expect(await apiSignIn(server, app.id, user.username, `guess ${i}`)).toBe(401);
      expect(await apiSignIn(server, app.id, user.username, user.password)).toBe(429);
      expect(warnings).toEqual([
        'throttle counters unreachable: counting sign-in failures per node meanwhile',
      ]);
    } finally {
      await server.close();
    }
  });

  it('counts go back to the shared store once it answers again, saying so once each way', async () => {
    const shared = createMemoryThrottleCounters();
    let up = false;
    const flaky: ThrottleCounters = {
      ...shared,
      add: (key, entry, options) =>
        up ? shared.add(key, entry, options) : Promise.reject(new Error('down')),
    };
    const said: string[] = [];
    const counters = withMemoryFallback(flaky, {
      onDegraded: () => said.push('degraded'),
      onRecovered: () => said.push('recovered'),
    });
    const options = { after: 0, limit: 5, ttlMs: 60_000 };
    await counters.add('k', { id: '1', at: 1 }, options);
    await counters.add('k', { id: '2', at: 2 }, options);
    up = true;
    expect(await counters.add('k', { id: '3', at: 3 }, options)).toEqual({ added: true, times: [3] });
    expect(said).toEqual(['degraded', 'recovered']);
  });
});

describe.skipIf(!redis)('throttle counts in Redis', () => {
  const prefix = `signoff:test:throttle:${randomBytes(4).toString('hex')}:`;
  const opened: ThrottleCounters[] = [];
  const counters = async () => {
    const made = await createRedisThrottleCounters(redis!, { prefix });
    opened.push(made);
    return made;
  };
  afterAll(async () => {
    const raw = new Redis(redis!);
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    await Promise.all(opened.map((c) => c.close()));
  });

  it('keeps every count under its prefix, and a key expires with its window', async () => {
    const one = await counters();
    const now = Date.now();
    expect(
      await one.add('k', { id: 'a', at: now }, { after: now - 60_000, limit: 2, ttlMs: 60_000 }),
    ).toEqual({
      added: true,
      times: [now],
    });
    expect(
      await one.add('k', { id: 'b', at: now + 1 }, { after: now - 60_000, limit: 2, ttlMs: 60_000 }),
    ).toEqual({
      added: true,
      times: [now, now + 1],
    });
    expect(
      await one.add('k', { id: 'c', at: now + 2 }, { after: now - 60_000, limit: 2, ttlMs: 60_000 }),
    ).toEqual({
      added: false,
      times: [now, now + 1],
    });
    // The window moved past the first entry: it is forgotten and a new one fits.
    expect(
      await one.add('k', { id: 'c', at: now + 60_000 }, { after: now, limit: 2, ttlMs: 60_000 }),
    ).toEqual({
      added: true,
      times: [now + 1, now + 60_000],
    });
    await one.remove('k', 'b');
    expect(await one.read('k', 0)).toEqual([now + 60_000]);
    const raw = new Redis(redis!);
    try {
      expect(await raw.keys(`${prefix}*`)).toEqual([`${prefix}k`]);
      const ttl = await raw.pttl(`${prefix}k`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await raw.quit();
    }
    await one.clear(['k']);
    expect(await one.read('k', 0)).toEqual([]);
  });

  it('a Redis that stops answering: sign-in goes on and is throttled per node', async () => {
    const closed = await counters();
    await closed.close();
    const server = await startTestServer({ throttleCounters: closed });
    try {
      const { app, user } = await createAppAndUser(server);
      expect(await apiSignIn(server, app.id, user.username, user.password)).toBe(200);
      for (let i = 0; i < 5; i++)
        expect(await apiSignIn(server, app.id, user.username, `guess ${i}`)).toBe(401);
      expect(await apiSignIn(server, app.id, user.username, user.password)).toBe(429);
    } finally {
      await server.close();
    }
  });

  describe.skipIf(!pg)('two nodes on one PostgreSQL and one Redis', () => {
    let a: TestServer;
    let b: TestServer;
    let appId: string;
    const clock = createManualClock(Date.now());

    beforeAll(async () => {
      a = await startTestServer({ postgresUrl: pg, clock, throttleCounters: await counters() });
      b = await startTestServer({
        postgresUrl: pg,
        reuse: a.location,
        clock,
        throttleCounters: await counters(),
      });
      ({
        app: { id: appId },
      } = await createAppAndUser(a));
    });
    afterAll(async () => {
      await b?.close({ keepData: true });
      await a?.close();
    });

    it('failures on node A and node B add up: the account is locked on both', async () => {
      const { user } = await createAppAndUser(a);
      for (let i = 0; i < 3; i++)
        expect(await apiSignIn(a, appId, user.username, `guess ${i}`, `192.0.2.${i}`)).toBe(401);
      const page = pageClient(b);
      for (let i = 3; i < 5; i++) {
        const res = await page.submit(
          '/login',
          '/login',
          { account: user.email, password: `guess ${i}` },
          {
            remoteAddress: `192.0.2.${i}`,
          },
        );
        expect(res.statusCode).toBe(401);
      }
      expect(await apiSignIn(a, appId, user.email.toUpperCase(), user.password, '192.0.2.9')).toBe(429);
      expect(await apiSignIn(b, appId, user.username, user.password, '192.0.2.9')).toBe(429);
      clock.advance(15 * MINUTE);
      expect(await apiSignIn(b, appId, user.username, user.password, '192.0.2.9')).toBe(200);
    });

    it('a burst spread over both nodes gets no more passwords checked than the limit', async () => {
      const { user } = await createAppAndUser(a);
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          apiSignIn(i % 2 ? a : b, appId, user.username, `guess ${i}`, `192.0.2.${20 + i}`),
        ),
      );
      expect(burst.filter((status) => status === 401)).toHaveLength(5);
      clock.advance(15 * MINUTE);
    });

    it('console: a lockout at one address holds on both nodes, and grows on either', async () => {
      const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };
      const ip = '203.0.113.50';
      const console = (node: TestServer, fields: typeof ADMIN, remoteAddress = ip) =>
        pageClient(node).submit('/console/login', '/console/login', fields, { remoteAddress });
      for (const [i, node] of [a, b, a, b, a].entries()) {
        expect((await console(node, { ...ADMIN, password: `guess ${i}` })).statusCode).toBe(401);
      }
      expect((await console(b, ADMIN)).headers['retry-after']).toBe(String(15 * 60));
      expect((await console(a, ADMIN, '203.0.113.51')).statusCode).toBe(303);
      clock.advance(15 * MINUTE);
      for (const [i, node] of [b, a, b, a, b].entries()) {
        expect((await console(node, { ...ADMIN, password: `guess ${i}` })).statusCode).toBe(401);
      }
      expect((await console(a, ADMIN)).headers['retry-after']).toBe(String(30 * 60));
      clock.advance(30 * MINUTE);
    });

    it('pool secrets: guesses on both nodes add up', async () => {
      const ask = (node: TestServer, secret: string) =>
        node.app.inject({
          method: 'POST',
          url: '/api/v2/userpools/accessToken',
          payload: { userPoolId: a.pool.id, secret },
        });
      for (let i = 0; i < 10; i++) expect((await ask(i % 2 ? a : b, `guess-${i}`)).statusCode).toBe(403);
      expect((await ask(a, a.pool.secret)).statusCode).toBe(429);
      expect((await ask(b, a.pool.secret)).statusCode).toBe(429);
      clock.advance(15 * MINUTE);
      expect((await ask(b, a.pool.secret)).statusCode).toBe(200);
    });
  });
});
