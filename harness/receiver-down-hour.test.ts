// A back-channel receiver down for an hour, then up: the logouts made meanwhile reach it once
// each. An hour cannot pass in a harness run and the nodes' clock is not configurable, so
// this runs the real server stack (services, store, worker, HTTP, a real receiver on
// 127.0.0.1) on a manual clock that moves a minute per worker run; the receiver-down scenario
// runs it beside its real-time outage. Against PostgreSQL when SIGNOFF_TEST_DATABASE_URL is set.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { postgresUrl } from '../test/helpers/environment.ts';
import { type LogoutReceiver, startLogoutReceiver } from '../test/helpers/logout-receiver.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from '../test/helpers/server.ts';

const clock = createManualClock(Date.now());
const HOUR = 60 * 60_000;

describe('a back-channel receiver down for an hour', () => {
  let server: TestServer;
  let receiver: LogoutReceiver;
  beforeAll(async () => {
    server = await startTestServer({
      listen: true,
      clock,
      postgresUrl: process.env.SIGNOFF_TEST_DATABASE_URL,
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.close();
  });

  const ledger = async (appId: string, status: string) => {
    const res = await server.app.inject({
      method: 'GET',
      url: `/api/v2/applications/${appId}/logout-deliveries?status=${status}&limit=100`,
      headers: await server.adminHeaders(),
    });
    return res.json().data as { totalCount: number; list: { attempts: number; lastError: string | null }[] };
  };

  it('gets every logout made meanwhile once it is up, once each', async () => {
    let appId = '';
    receiver = await startLogoutReceiver({
      jwksUrl: () => `${server.url}/.well-known/jwks.json`,
      issuer: server.services.issuerOf(server.pool.id),
      audience: () => appId,
      now: () => clock.now(),
    });
    const { app, user } = await createAppAndUser(server, {
      name: 'down an hour',
      backchannelLogoutUri: receiver.url,
    });
    appId = app.id;
    const sids: string[] = [];
    await receiver.down();
    for (let i = 0; i < 5; i++) {
      const { token } = await login(server, app.id, user.username, user.password);
      sids.push(decodeJwt(token).sid as string);
      const out = await server.app.inject({
        method: 'POST',
        url: '/api/v2/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.statusCode).toBe(200);
    }

    // Down for an hour: the worker runs every minute of it, each due attempt refused.
    for (const end = clock.now() + HOUR; clock.now() < end; clock.advance(60_000)) {
      await server.services.backchannel.runOnce();
    }
    const waiting = await ledger(app.id, 'pending');
    expect(waiting.totalCount).toBe(5);
    for (const d of waiting.list) {
      expect(d.attempts).toBeGreaterThan(5);
      expect(d.lastError).toMatch(/ECONNREFUSED|connect/);
    }
    expect(receiver.received).toHaveLength(0);

    // Up again: within the backoff cap (5 minutes) every notice is delivered, once.
    await receiver.up();
    for (let i = 0; i < 6 && (await ledger(app.id, 'pending')).totalCount > 0; i++) {
      clock.advance(60_000);
      await server.services.backchannel.runOnce();
    }
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received.map((r) => r.claims.sid).sort()).toEqual([...sids].sort());
    expect((await ledger(app.id, 'delivered')).totalCount).toBe(5);
    expect((await ledger(app.id, 'failed')).totalCount).toBe(0);
  });
});

// The helper's skip notice, when PostgreSQL is not configured, says which store ran.
void postgresUrl;
