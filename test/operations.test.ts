// Issue 10, operations: what an operator scrapes (/metrics) and probes (/ready), in process.
// The real process — exit codes, signals, the port, the PostgreSQL schema — is in
// test/main-process.test.ts.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import type { Bus, BusEvent } from '../src/bus/bus.ts';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { createRedisBus } from '../src/bus/redis-bus.ts';
import { createManualClock } from '../src/domain/clock.ts';
import { createPostgresDriver } from '../src/store/postgres/postgres-driver.ts';
import { postgresUrl, redisUrl } from './helpers/environment.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

const pg = postgresUrl();
const redis = redisUrl();

/** The value of one series of a scrape, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const scrape = async (server: TestServer) => {
  const res = await server.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
};

describe('GET /metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      settings: { loginThrottle: { perAccount: 2, perIp: 50, windowMs: 60_000 } },
    });
  });
  afterAll(() => server.close());

  it('counts requests by route pattern (not the URL) and status, with their durations', async () => {
    await server.app.inject({ method: 'GET', url: '/health' });
    await server.app.inject({ method: 'GET', url: '/pools/no-such-pool/.well-known/jwks.json' });
    await server.app.inject({ method: 'GET', url: '/no/such/route' });
    await server.app.inject({ method: 'GET', url: '/oidc/.well-known/openid-configuration' });
    const text = await scrape(server);
    expect(
      sample(text, 'signoff_http_requests_total', { method: 'GET', route: '/health', status: '200' }),
    ).toBe(1);
    const jwks = { method: 'GET', route: '/pools/:poolId/.well-known/jwks.json', status: '404' };
    expect(sample(text, 'signoff_http_requests_total', jwks)).toBe(1);
    expect(text).not.toContain('no-such-pool');
    expect(sample(text, 'signoff_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    // The OpenID provider answers below /oidc without Fastify routes of its own (and hijacks the reply).
    expect(sample(text, 'signoff_http_requests_total', { route: '/oidc/*', status: '200' })).toBe(1);
    expect(
      sample(text, 'signoff_http_request_duration_seconds_count', { route: '/health', status: '200' }),
    ).toBe(1);
    expect(
      sample(text, 'signoff_http_request_duration_seconds_bucket', { route: '/health', le: '+Inf' }),
    ).toBe(1);
  });

  it("counts the session core's ends by reason, and the revocation index holds their ids", async () => {
    const { app, user } = await createAppAndUser(server);
    const { token } = await login(server, app.id, user.username, user.password);
    const before = await scrape(server);
    expect(sample(before, 'signoff_session_ends_total', { reason: 'user_logout' })).toBeUndefined();
    const out = await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(200);
    const text = await scrape(server);
    expect(sample(text, 'signoff_session_ends_total', { reason: 'user_logout' })).toBe(1);
    expect(sample(text, 'signoff_sessions_ended_total', { reason: 'user_logout' })).toBe(1);
    expect(sample(text, 'signoff_revocation_index_entries')).toBe(server.services.index.size);
    expect(server.services.index.size).toBeGreaterThan(0);
  });

  it('reports the outbox by kind after a kick queued back-channel notices, and bulk logouts by status', async () => {
    const headers = await server.adminHeaders();
    // Nothing listens there, and the worker does not run in tests: the notices stay pending.
    const { app, user } = await createAppAndUser(server, { backchannelLogoutUri: 'http://127.0.0.1:9/bc' });
    const other = await server.app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers,
      payload: { username: `u-${randomBytes(3).toString('hex')}`, password: 'correct horse battery' },
    });
    for (const account of [user.username, other.json().data.username as string]) {
      await login(server, app.id, account, 'correct horse battery');
    }
    const before = await scrape(server);
    expect(sample(before, 'signoff_outbox_pending', { kind: 'backchannel' })).toBe(0);
    expect(sample(before, 'signoff_outbox_pending', { kind: 'set' })).toBe(0);

    const kick = await server.app.inject({
      method: 'POST',
      url: `/api/v2/applications/${app.id}/kick-active-users`,
      headers,
      payload: { userIds: [user.id, other.json().data.id] },
    });
    expect(kick.statusCode).toBe(200);
    const text = await scrape(server);
    expect(sample(text, 'signoff_outbox_pending', { kind: 'backchannel' })).toBe(2);
    expect(sample(text, 'signoff_outbox_failed', { kind: 'backchannel' })).toBe(0);
    expect(sample(text, 'signoff_outbox_delivered_last_5m', { kind: 'backchannel' })).toBe(0);
    expect(sample(text, 'signoff_session_ends_total', { reason: 'admin_kick' })).toBe(1);
    expect(sample(text, 'signoff_sessions_ended_total', { reason: 'admin_kick' })).toBe(2);
    for (const status of ['running', 'done', 'failed']) {
      expect(sample(text, 'signoff_bulk_logouts', { status })).toBe(0);
    }
  });

  it('counts throttle refusals by route', async () => {
    const { app, user } = await createAppAndUser(server);
    const attempt = () =>
      server.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        headers: { 'x-authing-app-id': app.id },
        payload: { account: user.username, password: 'wrong password' },
      });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await attempt()).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
    const text = await scrape(server);
    expect(sample(text, 'signoff_throttled_total', { route: '/api/v2/login/account' })).toBe(1);
  });

  it('keeps a registry per app: a second server in the same process counts only its own', async () => {
    const second = await startTestServer();
    try {
      const text = await scrape(second);
      expect(sample(text, 'signoff_http_requests_total', { route: '/health' })).toBeUndefined();
      expect(sample(text, 'signoff_session_ends_total', { reason: 'user_logout' })).toBeUndefined();
    } finally {
      await second.close();
    }
  });
});

describe('revocation propagation lag', () => {
  it("measures an end's way to another node, from the bus or from the store poll", async () => {
    const clock = createManualClock(Date.now());
    const shared = createMemoryBus();
    const a = await startTestServer({ clock, bus: shared });
    // b hears a's bus; c shares only the store, and learns at its poll.
    const b = await startTestServer({ clock, bus: shared, reuse: a.location });
    const c = await startTestServer({ clock, reuse: a.location });
    try {
      const { app, user } = await createAppAndUser(a);
      const { token } = await login(a, app.id, user.username, user.password);
      await a.app.inject({
        method: 'POST',
        url: '/api/v2/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      clock.advance(1500);
      await c.services.revocationSync.poll();
      await a.services.revocationSync.poll();

      const fromBus = await scrape(b);
      expect(sample(fromBus, 'signoff_revocation_propagation_seconds_count', { source: 'bus' })).toBe(1);
      // Same clock and no time passing on the bus: the lag is 0.
      expect(
        sample(fromBus, 'signoff_revocation_propagation_seconds_bucket', { source: 'bus', le: '0.001' }),
      ).toBe(1);
      const fromPoll = await scrape(c);
      expect(sample(fromPoll, 'signoff_revocation_propagation_seconds_count', { source: 'poll' })).toBe(1);
      expect(sample(fromPoll, 'signoff_revocation_propagation_seconds_sum', { source: 'poll' })).toBe(1.5);
      // The node that ended the session already held it: nothing propagated to it.
      const own = await scrape(a);
      expect(sample(own, 'signoff_revocation_propagation_seconds_count', { source: 'bus' })).toBeUndefined();
      expect(sample(own, 'signoff_revocation_propagation_seconds_count', { source: 'poll' })).toBeUndefined();
      // A large end arrives in parts (the Redis bus splits its ids): one sample, not one per part.
      // (Published on the shared bus as another node would: a and b both take it.)
      for (const ids of [['part-1a', 'part-1b'], ['part-2a']]) {
        await shared.publish({
          type: 'session.ended',
          poolId: a.pool.id,
          recordId: 'one-large-end',
          at: clock.now(),
          reason: 'admin_logout',
          actor: { type: 'admin', id: null },
          revoked: ids,
          sessions: 3,
          appSessions: 0,
          apps: [],
          deliveries: 0,
          events: 0,
        });
      }
      expect(b.services.index.has('part-2a')).toBe(true);
      expect(sample(await scrape(b), 'signoff_revocation_propagation_seconds_count', { source: 'bus' })).toBe(
        2,
      );
    } finally {
      await c.close({ keepData: true });
      await b.close({ keepData: true });
      await a.close();
    }
  });
});

describe('GET /ready', () => {
  it('is 200 while the store and the bus answer, 503 naming the store once it is gone; /health stays 200', async () => {
    const server = await startTestServer();
    const ready = await server.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', store: 'ok', bus: 'ok' });

    await server.store.close();
    const gone = await server.app.inject({ method: 'GET', url: '/ready' });
    expect(gone.statusCode).toBe(503);
    expect(gone.json()).toEqual({ status: 'unavailable', store: 'unavailable', bus: 'ok' });
    expect((await server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    // A scrape still answers, without the gauges it could not read.
    const text = await scrape(server);
    expect(sample(text, 'signoff_outbox_pending', { kind: 'backchannel' })).toBeUndefined();
    expect(sample(text, 'signoff_revocation_index_entries')).toBe(0);
    await server.app.close();
    await server.services.stop();
    rmSync(server.location.dataDir, { recursive: true, force: true });
  });

  it('a Redis bus that cannot connect fails within its bound, with the reason', async () => {
    const started = Date.now();
    await expect(createRedisBus('redis://127.0.0.1:1')).rejects.toThrow(/ECONNREFUSED/);
    // A server that accepts and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      await expect(createRedisBus(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 500 })).rejects.toThrow(
        /ETIMEDOUT|no answer/,
      );
    } finally {
      silent.close();
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('while the process is still starting', () => {
  it('answers every request 503 with Retry-After, then serves', async () => {
    const server = await startTestServer();
    let serving = false;
    const app = await buildApp({ services: server.services, serving: () => serving });
    try {
      // /ready too, whose own response schema must not turn this 503 into a 500 (harness finding 4).
      for (const url of ['/health', '/ready', '/api/v2/users/me', '/oidc/.well-known/openid-configuration']) {
        const res = await app.inject({ method: 'GET', url });
        expect([url, res.statusCode, res.headers['retry-after'], res.json()]).toEqual([
          url,
          503,
          '1',
          { code: 5030, message: 'Signoff is starting: retry in a moment' },
        ]);
      }
      serving = true;
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await server.close();
    }
  });
});

describe.skipIf(!redis)('GET /ready with Redis', () => {
  it('is 503 naming the bus when Redis goes away, and 200 again when it is back', async () => {
    // A TCP relay to Redis that can be cut, as Redis going away would be.
    const target = new URL(redis!);
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      client.pipe(upstream).pipe(client);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as { port: number }).port;
    const bus = await createRedisBus(`redis://127.0.0.1:${port}`, {
      channel: `signoff:test:${randomBytes(4).toString('hex')}`,
    });
    const server = await startTestServer({ bus });
    try {
      expect((await server.app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({
        status: 'ok',
        store: 'ok',
        bus: 'ok',
      });
      // Redis goes away: the relay stops accepting and drops every connection.
      await new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      const down = await server.app.inject({ method: 'GET', url: '/ready' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: 'unavailable', store: 'ok', bus: 'unavailable' });

      // Back: the bus reconnects by itself.
      await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
      let again = down;
      for (let i = 0; i < 50 && again.statusCode !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        again = await server.app.inject({ method: 'GET', url: '/ready' });
      }
      expect(again.json()).toEqual({ status: 'ok', store: 'ok', bus: 'ok' });
    } finally {
      await server.close();
      await bus.close();
      relay.close();
    }
  });

  it('SIGNOFF_REDIS_PREFIX: buses of different prefixes on one Redis do not hear each other', async () => {
    const tag = randomBytes(4).toString('hex');
    const [a, a2, b] = await Promise.all([
      createRedisBus(redis!, { prefix: `ops-a-${tag}:` }),
      createRedisBus(redis!, { prefix: `ops-a-${tag}:` }),
      createRedisBus(redis!, { prefix: `ops-b-${tag}:` }),
    ]);
    const raw = new Redis(redis!);
    try {
      const heard = (bus: Bus) => {
        const events: BusEvent[] = [];
        bus.subscribe((event) => events.push(event));
        return events;
      };
      const onA2 = heard(a2);
      const onB = heard(b);
      const onChannel: string[] = [];
      await raw.subscribe(`ops-a-${tag}:events`);
      raw.on('message', (channel: string) => onChannel.push(channel));
      await a.publish({ type: 'keys.changed', poolId: 'p' });
      await new Promise((r) => setTimeout(r, 200));
      expect(onA2).toEqual([{ type: 'keys.changed', poolId: 'p' }]);
      expect(onB).toEqual([]);
      expect(onChannel).toEqual([`ops-a-${tag}:events`]);
    } finally {
      raw.disconnect();
      await Promise.all([a, a2, b].map((bus) => bus.close()));
    }
  });
});

describe.skipIf(!pg)('PostgreSQL connections', () => {
  it('an idle connection ended by the server is replaced, not fatal to the process', async () => {
    const errors: unknown[] = [];
    const driver = createPostgresDriver(pg!, { max: 1, onIdleError: (error) => errors.push(error) });
    const admin = createPostgresDriver(pg!, { max: 1 });
    try {
      const [{ pid }] = (await driver.query('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((r) => setTimeout(r, 300));
      expect(errors).toHaveLength(1);
      expect(await driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await driver.close();
      await admin.close();
    }
  });
});
