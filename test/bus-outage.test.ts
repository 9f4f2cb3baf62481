// Redis killed, then back (issue 10 part 2, finding 2). Two nodes on one PostgreSQL, their
// bus and node A's throttle counters on a redis-server of the test's own, which it kills -9
// and starts again. While Redis is gone: sign-ins and logouts still answer 200 at once (the
// session core does not wait on a publish ioredis would queue), node B refuses the token at
// its next store poll, /ready says the bus is unavailable. Once Redis is back, both nodes
// reconnect by themselves and ends reach B through the bus again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bus } from '../src/bus/bus.ts';
import { createRedisBus } from '../src/bus/redis-bus.ts';
import type { ThrottleCounters } from '../src/throttle/counters.ts';
import { createRedisThrottleCounters } from '../src/throttle/redis-counters.ts';
import { postgresUrl } from './helpers/environment.ts';
import { type OwnRedis, startOwnRedis } from './helpers/redis-server.ts';
import { createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

const pg = postgresUrl();
const POLL_MS = 1000;
const NEVER = 2 ** 31 - 1;

describe.skipIf(!pg)('Redis killed -9 and started again, two nodes', () => {
  let redis: OwnRedis;
  let a: TestServer;
  let b: TestServer;
  let counters: ThrottleCounters;
  const buses: Bus[] = [];
  const busStates: string[] = [];
  let signIn: () => Promise<Awaited<ReturnType<TestServer['app']['inject']>>>;

  beforeAll(async () => {
    redis = await startOwnRedis();
    const channel = `signoff:test:${randomBytes(4).toString('hex')}`;
    for (const node of ['a', 'b']) {
      buses.push(
        await createRedisBus(redis.url, {
          channel,
          onDown: () => busStates.push(`${node} down`),
          onUp: () => busStates.push(`${node} up`),
        }),
      );
    }
    counters = await createRedisThrottleCounters(redis.url, { prefix: `${channel}:throttle:` });
    a = await startTestServer({ postgresUrl: pg, bus: buses[0], throttleCounters: counters });
    // Node B polls the store as a real node does; its other timers stay out of the way.
    b = await startTestServer({
      postgresUrl: pg,
      reuse: a.location,
      bus: buses[1],
      background: {
        revocationPollMs: POLL_MS,
        keyReloadMs: NEVER,
        expirySweepMs: NEVER,
        backchannelPollMs: NEVER,
      },
    });
    const { app, user } = await createAppAndUser(a);
    signIn = () =>
      a.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        headers: { 'x-authing-app-id': app.id },
        payload: { account: user.username, password: user.password },
      });
  });
  afterAll(async () => {
    await b?.close({ keepData: true });
    await a?.close();
    await Promise.all(buses.map((bus) => bus.close()));
    await counters?.close();
    await redis?.close();
  });

  const meOn = (node: TestServer, token: string) =>
    node.app.inject({
      method: 'GET',
      url: '/api/v2/users/me',
      headers: { authorization: `Bearer ${token}` },
    });
  const logoutOnA = async (token: string) => {
    const started = performance.now();
    const res = await a.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.statusCode, ms: performance.now() - started };
  };
  const tokenOf = async () => {
    const started = performance.now();
    const res = await signIn();
    expect(res.statusCode, res.body).toBe(200);
    return { token: res.json().data.token as string, ms: performance.now() - started };
  };
  /** How many ends reached B by each way (signoff_revocation_propagation_seconds_count). */
  const arrivalsOnB = async () => {
    const text = await b.services.metrics.render();
    const count = (source: string) =>
      Number(
        new RegExp(`signoff_revocation_propagation_seconds_count\\{source="${source}"\\} (\\d+)`).exec(
          text,
        )?.[1] ?? 0,
      );
    return { bus: count('bus'), poll: count('poll') };
  };

  it('with Redis up, an end reaches node B through the bus', async () => {
    const { token } = await tokenOf();
    expect((await meOn(b, token)).statusCode).toBe(200);
    const before = await arrivalsOnB();
    expect((await logoutOnA(token)).status).toBe(200);
    await vi.waitFor(async () => expect((await meOn(b, token)).statusCode).toBe(401), {
      timeout: 200,
      interval: 5,
    });
    expect((await arrivalsOnB()).bus).toBe(before.bus + 1);
  });

  it('with Redis killed, sign-in and logout answer 200 at once, and node B refuses the token at its next poll', async () => {
    const { token } = await tokenOf();
    const before = await arrivalsOnB();
    await redis.kill();
    // At once, while ioredis is still reconnecting (where it would queue a publish).
    const out = await logoutOnA(token);
    expect(out.status).toBe(200);
    expect(out.ms).toBeLessThan(100);
    expect((await meOn(a, token)).statusCode).toBe(401);
    // The clients notice the dead connection, and say so once each.
    await vi.waitFor(() => expect(busStates).toEqual(expect.arrayContaining(['a down', 'b down'])), {
      timeout: 3000,
    });

    // Throttle counts fall back to memory (src/throttle/counters.ts): no 500, no wait.
    const other = await tokenOf();
    expect(other.ms).toBeLessThan(1500);
    const second = await logoutOnA(other.token);
    expect(second.status).toBe(200);
    expect(second.ms).toBeLessThan(100);
    await vi.waitFor(async () => expect((await meOn(b, token)).statusCode).toBe(401), {
      timeout: POLL_MS + 1000,
      interval: 20,
    });
    await vi.waitFor(async () => expect((await meOn(b, other.token)).statusCode).toBe(401), {
      timeout: POLL_MS + 1000,
      interval: 20,
    });
    // By the store poll: nothing came by the bus.
    const after = await arrivalsOnB();
    expect(after.poll).toBeGreaterThan(before.poll);
    expect(after.bus).toBe(before.bus);

    const ready = await a.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', store: 'ok', bus: 'unavailable' });
    expect((await a.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('once Redis is back, the nodes reconnect by themselves and ends travel by the bus again', async () => {
    const { token } = await tokenOf();
    await redis.start();
    await vi.waitFor(() => expect(busStates).toEqual(expect.arrayContaining(['a up', 'b up'])), {
      timeout: 3000,
      interval: 10,
    });
    expect(busStates.filter((s) => s === 'a down')).toHaveLength(1);
    await vi.waitFor(
      async () => expect((await a.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200),
      { timeout: 2000 },
    );

    const before = await arrivalsOnB();
    expect((await logoutOnA(token)).status).toBe(200);
    await vi.waitFor(async () => expect((await meOn(b, token)).statusCode).toBe(401), {
      timeout: 200,
      interval: 5,
    });
    expect((await arrivalsOnB()).bus).toBe(before.bus + 1);
  });

  it('closing a bus (a node shutting down) is not an outage', async () => {
    const states: string[] = [];
    const bus = await createRedisBus(redis.url, {
      channel: 'signoff:test:closing',
      onDown: () => states.push('down'),
      onUp: () => states.push('up'),
    });
    await bus.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(states).toEqual([]);
  });
});
