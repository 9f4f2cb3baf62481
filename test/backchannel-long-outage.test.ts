// Back-channel delivery after kill -9 and through a long outage (issue 10 part 2, finding 4),
// with two nodes on one PostgreSQL and one manual clock. A notice that a node claimed and then
// died with (never sent, never recorded) is sent by the other node once the claim's lease has
// run out: at least once. An application down for an hour gets every logout made meanwhile
// once it is up again, each exactly once.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { postgresUrl } from './helpers/environment.ts';
import { type LogoutReceiver, startLogoutReceiver } from './helpers/logout-receiver.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

const pg = postgresUrl();
const LEASE_MS = 60_000; // the notice worker's default claim
const settings = { publicUrl: 'https://id.example.com' };

describe.skipIf(!pg)('back-channel logout: a killed node’s claims, an application down for an hour', () => {
  const clock = createManualClock(Date.now());
  let b: TestServer;
  let a: TestServer;
  let receiver: LogoutReceiver;
  let appId = '';
  let user: { username: string; password: string };

  beforeAll(async () => {
    // B serves the JWKS the application checks tokens against; A shares its database.
    b = await startTestServer({ postgresUrl: pg, listen: true, clock, settings });
    a = await startTestServer({ postgresUrl: pg, reuse: b.location, clock, settings });
    receiver = await startLogoutReceiver({
      jwksUrl: () => `${b.url}/.well-known/jwks.json`,
      issuer: b.services.issuerOf(b.pool.id),
      audience: () => appId,
      now: () => clock.now(),
    });
    const created = await createAppAndUser(b, { name: 'RP', backchannelLogoutUri: receiver.url });
    appId = created.app.id;
    user = created.user;
  });
  afterAll(async () => {
    await receiver?.close();
    await a?.close({ keepData: true });
    await b?.close();
  });

  const signInAndOut = async (node: TestServer) => {
    const { token } = await login(node, appId, user.username, user.password);
    const res = await node.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return decodeJwt(token).sid as string;
  };
  const deliveries = async () => {
    const res = await b.app.inject({
      method: 'GET',
      url: `/api/v2/applications/${appId}/logout-deliveries?limit=100`,
      headers: await b.adminHeaders(),
    });
    return res.json().data.list as { sid: string; status: string; attempts: number }[];
  };
  const receivedSids = () => receiver.received.map((r) => r.claims.sid as string);

  it('a notice claimed by a node killed before sending is sent by the other once the lease ends', async () => {
    const sid = await signInAndOut(a);
    // Node A's worker claims the notice, then A dies (kill -9: nothing sent, nothing recorded).
    const claimed = await a.store.deliveries.claimDue(clock.now(), 100, LEASE_MS);
    expect(claimed.map((d) => d.sessionId)).toEqual([sid]);
    await a.close({ keepData: true });

    // B leaves it alone while the claim holds…
    expect((await b.services.backchannel.runOnce()).claimed).toBe(0);
    clock.advance(LEASE_MS - 1000);
    expect((await b.services.backchannel.runOnce()).claimed).toBe(0);
    // …and sends it once it has run out.
    clock.advance(1000);
    expect(await b.services.backchannel.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receivedSids()).toEqual([sid]);
    expect((await deliveries()).find((d) => d.sid === sid)).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
    a = await startTestServer({ postgresUrl: pg, reuse: b.location, clock, settings });
  });

  it('an application down for an hour gets every notice once it is up, each once', async () => {
    receiver.received.length = 0;
    await receiver.down();
    // Logouts on both nodes while the application is down.
    const sids = [await signInAndOut(a), await signInAndOut(b), await signInAndOut(a), await signInAndOut(b)];

    let attempts = 0;
    for (const end = clock.now() + 60 * 60_000; clock.now() < end; clock.advance(30_000)) {
      for (const node of [a, b]) attempts += (await node.services.backchannel.runOnce()).retried;
    }
    // Retried with the backoff (capped at 5 minutes), not given up on.
    expect(attempts).toBeGreaterThan(sids.length * 5);
    const during = (await deliveries()).filter((d) => sids.includes(d.sid));
    expect(during.map((d) => d.status)).toEqual(sids.map(() => 'pending'));

    await receiver.up();
    // At most the backoff's cap later, every notice has gone, from whichever node claimed it.
    for (let i = 0; i < 12; i++) {
      clock.advance(30_000);
      for (const node of [a, b]) await node.services.backchannel.runOnce();
    }
    expect(receivedSids().sort()).toEqual([...sids].sort());
    expect(receiver.rejected).toEqual([]);
    const after = (await deliveries()).filter((d) => sids.includes(d.sid));
    expect(after.map((d) => d.status)).toEqual(sids.map(() => 'delivered'));
  });
});
