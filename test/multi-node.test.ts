// Two nodes on one PostgreSQL database. With Redis, a logout on node A is refused on node B
// as soon as the pub/sub message lands (the store poll is off here, so only the bus can do
// it). Without Redis, node B catches up at its next store poll.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from '../src/bus/bus.ts';
import { createRedisBus } from '../src/bus/redis-bus.ts';
import { postgresUrl, redisUrl } from './helpers/environment.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

const pg = postgresUrl();
const redis = redisUrl();

async function secondNode(first: TestServer, bus?: Bus) {
  return startTestServer({ postgresUrl: pg, reuse: first.location, ...(bus ? { bus } : {}) });
}

const nextEvent = (bus: Bus, type: BusEvent['type']) =>
  new Promise<BusEvent>((resolve) => {
    const off = bus.subscribe((event) => {
      if (event.type === type) {
        off();
        resolve(event);
      }
    });
  });

describe.skipIf(!pg || !redis)('two nodes, PostgreSQL + Redis', () => {
  let a: TestServer;
  let b: TestServer;
  const buses: Bus[] = [];

  beforeAll(async () => {
    const channel = `signoff:test:${randomBytes(4).toString('hex')}`;
    buses.push(await createRedisBus(redis!, { channel }), await createRedisBus(redis!, { channel }));
    a = await startTestServer({ postgresUrl: pg, bus: buses[0] });
    b = await secondNode(a, buses[1]);
  });
  afterAll(async () => {
    await b.close({ keepData: true });
    await a.close();
    await Promise.all(buses.map((bus) => bus.close()));
  });

  it('a logout on node A is refused on node B once the bus message lands', async () => {
    const { app, user } = await createAppAndUser(a);
    const { token } = await login(a, app.id, user.username, user.password);
    const meOn = (node: TestServer) =>
      node.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await meOn(b)).statusCode).toBe(200);

    const arrived = nextEvent(buses[1]!, 'session.ended');
    const out = await a.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(200);
    const event = await arrived;
    expect(event).toMatchObject({ type: 'session.ended', reason: 'user_logout', sessions: 1 });
    expect((await meOn(b)).statusCode).toBe(401);
  });

  it('a pool created on node A signs tokens that node B verifies (keys.changed)', async () => {
    const changed = nextEvent(buses[1]!, 'keys.changed');
    const created = await a.services.pools.create({ name: 'Late pool' });
    if (!created.ok) throw new Error('pool');
    await changed;
    // B reloads its keys on the event; wait for the reload to land.
    for (let i = 0; i < 50 && !b.services.keys.signingKey(created.pool.id); i++)
      await new Promise((r) => setTimeout(r, 20));
    const issued = await a.services.tokens.issueAdminToken(created.pool.id);
    expect(b.services.tokens.verifyAdminToken(issued.accessToken)).toMatchObject({
      ok: true,
      poolId: created.pool.id,
    });
  });
});

describe.skipIf(!pg)('two nodes, PostgreSQL without Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ postgresUrl: pg });
    b = await secondNode(a);
  });
  afterAll(async () => {
    await b.close({ keepData: true });
    await a.close();
  });

  it('node B refuses the token after its next revocation poll', async () => {
    const { app, user } = await createAppAndUser(a);
    const { token } = await login(a, app.id, user.username, user.password);
    const meOnB = () =>
      b.app.inject({ method: 'GET', url: '/api/v2/users/me', headers: { authorization: `Bearer ${token}` } });
    await a.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await meOnB()).statusCode).toBe(200);
    await b.services.revocationSync.poll();
    expect((await meOnB()).statusCode).toBe(401);
  });
});
