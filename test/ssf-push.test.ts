// Push delivery of Shared Signals (RFC 8935) by the notice worker, to a receiver written here
// from the spec: it takes `application/secevent+jwt` POSTs, checks the Authorization it asked
// for, verifies each SET against the JWKS and answers 202 — or is down, or refuses. Time moves
// on a manual clock; the worker is driven run by run, and once through its background loop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { discover } from './helpers/oidc-clients.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

const PUSH = 'urn:ietf:rfc:8935';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const RECEIVER_AUTHORIZATION = 'Bearer receiver-0123456789';

interface Received {
  contentType: string | undefined;
  accept: string | undefined;
  authorization: string | undefined;
  set: string;
}

/** A push receiver: what it answers is chosen per test; it records every POST it took. */
function startReceiver(port = 0) {
  const received: Received[] = [];
  let answer: (res: ServerResponse) => void = (res) => res.writeHead(202).end();
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        authorization: req.headers.authorization,
        set: body,
      });
      answer(res);
      for (const wake of waiters.splice(0)) wake();
    });
  });
  return new Promise<{
    url: string;
    port: number;
    received: Received[];
    answerWith(next: (res: ServerResponse) => void): void;
    next(): Promise<void>;
    close(): Promise<void>;
  }>((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${bound}/events`,
        port: bound,
        received,
        answerWith: (next) => {
          answer = next;
        },
        next: () => new Promise<void>((r) => waiters.push(r)),
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

describe('Shared Signals push delivery (RFC 8935)', () => {
  const clock = createManualClock(Date.now());
  let server: TestServer;
  let issuer: string;
  let jwks: ReturnType<typeof jose.createRemoteJWKSet>;
  let app: { id: string; secret: string };
  let user: { id: string; username: string; password: string };
  let token: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let streamId: string;

  beforeAll(async () => {
    server = await startTestServer({ listen: true, clock });
    issuer = `${server.url}/oidc`;
    jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
    ({ app, user } = await createAppAndUser(server, { name: 'Pushed-to app' }));
    token = (
      await oidc.clientCredentialsGrant(await discover(issuer, app, 'client_secret_basic'), { scope: 'ssf' })
    ).access_token;
    receiver = await startReceiver();
    const created = await call('POST', '/ssf/stream', {
      delivery: { method: PUSH, endpoint_url: receiver.url, authorization_header: RECEIVER_AUTHORIZATION },
      events_requested: [SESSION_REVOKED],
      description: 'pushed',
    });
    expect(created.status).toBe(201);
    expect(created.body.delivery).toEqual({ method: PUSH, endpoint_url: receiver.url });
    // The receiver's credential is the transmitter's to send, not to show.
    expect(JSON.stringify(created.body)).not.toContain('receiver-0123456789');
    streamId = created.body.stream_id;
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });
  beforeEach(async () => {
    receiver.answerWith((res) => res.writeHead(202).end());
    // Whatever an earlier test left waiting goes now.
    await runUntilIdle();
    receiver.received.length = 0;
  });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${issuer}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  const worker = () => server.services.setPush;

  /** Runs the worker, moving the clock to each retry, until nothing is due within 10 minutes. */
  async function runUntilIdle() {
    for (let i = 0; i < 50; i++) {
      const run = await worker().runOnce();
      if (run.claimed === 0) {
        clock.advance(10 * 60_000);
        if ((await worker().runOnce()).claimed === 0) return;
      }
    }
    throw new Error('the worker never went idle');
  }

  async function ledger() {
    // A new administrator token each time: the clock moves hours on.
    const issued = await server.services.pools.issueAdminToken(server.pool.id, server.pool.secret);
    if (!issued.ok) throw new Error(issued.reason);
    const res = await server.app.inject({
      method: 'GET',
      url: `/api/v2/applications/${app.id}/event-streams`,
      headers: { authorization: `Bearer ${issued.accessToken}`, 'x-authing-userpool-id': server.pool.id },
    });
    if (res.statusCode !== 200) throw new Error(`ledger: ${res.statusCode} ${res.body}`);
    return res.json().data.list.find((s: { id: string }) => s.id === streamId);
  }

  /** Verifies a pushed SET as a receiver must (RFC 8417 §2, SSF 1.0 §4.1). */
  async function verifySet(set: string) {
    const { payload, protectedHeader } = await jose.jwtVerify(set, jwks, {
      issuer,
      audience: app.id,
      typ: 'secevent+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    return payload as jose.JWTPayload & {
      events: Record<string, Record<string, unknown>>;
      sub_id: { format: string; id?: string; session?: { id: string } };
    };
  }

  async function logoutOnce() {
    const signedIn = await login(server, app.id, user.username, user.password);
    const res = await fetch(`${server.url}/api/v2/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signedIn.token}` },
    });
    expect(res.status).toBe(200);
    return (jose.decodeJwt(signedIn.token) as { sid: string }).sid;
  }

  // First: the receiver's token is checked on the manual clock, which later tests move hours on.
  it('paused streams hold their SETs; enabled again, the worker pushes them', async () => {
    expect((await call('POST', '/ssf/status', { stream_id: streamId, status: 'paused' })).status).toBe(200);
    const sid = await logoutOnce();
    expect((await worker().runOnce()).claimed).toBe(0);
    expect(await ledger()).toMatchObject({ held: 1 });
    expect((await call('POST', '/ssf/status', { stream_id: streamId, status: 'enabled' })).status).toBe(200);
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect((await verifySet(receiver.received[0]!.set)).sub_id.session!.id).toBe(sid);
  });

  it('pushes a verification SET as application/secevent+jwt with the receiver’s Authorization (§2.1), 202 is delivered', async () => {
    expect((await call('POST', '/ssf/verify', { stream_id: streamId, state: 'push-state' })).status).toBe(
      204,
    );
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const [post] = receiver.received;
    expect(post).toMatchObject({
      contentType: 'application/secevent+jwt',
      accept: 'application/json',
      authorization: RECEIVER_AUTHORIZATION,
    });
    expect(await verifySet(post!.set)).toMatchObject({
      sub_id: { format: 'opaque', id: streamId },
      events: { [VERIFICATION]: { state: 'push-state' } },
    });
    // Delivered is delivered: nothing goes again.
    clock.advance(60 * 60_000);
    expect((await worker().runOnce()).claimed).toBe(0);
  });

  it('a receiver down, then up again, gets every SET of the logouts made meanwhile, once each', async () => {
    const before = await ledger();
    const port = receiver.port;
    await receiver.close();
    const sids = [await logoutOnce(), await logoutOnce(), await logoutOnce()];
    // Down for an hour: every attempt fails to connect and is retried with the backoff.
    let attempts = 0;
    for (const end = clock.now() + 60 * 60_000; clock.now() < end; clock.advance(60_000)) {
      attempts += (await worker().runOnce()).retried;
    }
    expect(attempts).toBeGreaterThan(3 * 3);
    expect(await ledger()).toMatchObject({ pending: 3, delivered: before.delivered, failed: before.failed });
    expect((await ledger()).lastError).toMatch(/ECONNREFUSED|connect/);

    receiver = await startReceiver(port);
    await runUntilIdle();
    const claims = await Promise.all(receiver.received.map((post) => verifySet(post.set)));
    expect(claims.map((c) => c.sub_id.session!.id).sort()).toEqual([...sids].sort());
    for (const c of claims) expect(Object.keys(c.events)).toEqual([SESSION_REVOKED]);
    expect(new Set(claims.map((c) => c.jti)).size).toBe(3);
    expect(await ledger()).toMatchObject({
      pending: 0,
      delivered: before.delivered + 3,
      failed: before.failed,
    });
  });

  it('5xx and 429 are retried; a 400 with an RFC 8935 §2.3 error fails the SET at once', async () => {
    const before = await ledger();
    receiver.answerWith((res) => res.writeHead(503, { 'retry-after': '1' }).end());
    await logoutOnce();
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    expect(await ledger()).toMatchObject({ pending: 1, lastError: '503 Service Unavailable' });

    receiver.answerWith((res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ err: 'invalid_key', description: 'unknown kid' })),
    );
    clock.advance(10 * 60_000);
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    const after = await ledger();
    expect(after).toMatchObject({ pending: 0, failed: before.failed + 1 });
    expect(after.lastError).toBe('400 Bad Request: {"err":"invalid_key","description":"unknown kid"}');
    clock.advance(60 * 60_000);
    expect((await worker().runOnce()).claimed).toBe(0);
  });

  it('a SET given up on is queued again by the replay route and pushed with its own jti', async () => {
    const admin = async () => {
      const issued = await server.services.pools.issueAdminToken(server.pool.id, server.pool.secret);
      if (!issued.ok) throw new Error(issued.reason);
      return { authorization: `Bearer ${issued.accessToken}`, 'x-authing-userpool-id': server.pool.id };
    };
    const before = await ledger();
    receiver.answerWith((res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ err: 'invalid_audience' })),
    );
    const sid = await logoutOnce();
    expect(await worker().runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    const refused = receiver.received.at(-1)!;
    expect(await ledger()).toMatchObject({ failed: before.failed + 1, pending: 0 });

    // The receiver is fixed; a stream the app does not have is a 404 that queues nothing.
    receiver.answerWith((res) => res.writeHead(202).end());
    const unknown = await server.app.inject({
      method: 'POST',
      url: `/api/v2/applications/${app.id}/event-streams/no-such-stream/replay`,
      headers: await admin(),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe(4042);
    const unknownField = await server.app.inject({
      method: 'POST',
      url: `/api/v2/applications/${app.id}/event-streams/${streamId}/replay`,
      headers: await admin(),
      payload: { jtis: ['x'] },
    });
    expect(unknownField.statusCode).toBe(400);
    expect(await ledger()).toMatchObject({ pending: 0 });

    const replayed = await server.app.inject({
      method: 'POST',
      url: `/api/v2/applications/${app.id}/event-streams/${streamId}/replay`,
      headers: await admin(),
    });
    expect(replayed.statusCode).toBe(200);
    expect(replayed.json().data).toEqual({ queued: before.failed + 1 });
    expect(await ledger()).toMatchObject({ failed: 0, pending: before.failed + 1 });
    const seen = receiver.received.length;
    await runUntilIdle();
    const first = await verifySet(refused.set);
    const pushed = await Promise.all(receiver.received.slice(seen).map((r) => verifySet(r.set)));
    expect(pushed).toHaveLength(before.failed + 1);
    const second = pushed.find((p) => p.jti === first.jti)!;
    // The same event (RFC 8417 §2.2: a receiver can tell it had it by its jti), signed afresh.
    expect(second).toBeDefined();
    expect(second.sub_id.session!.id).toBe(sid);
    expect(await ledger()).toMatchObject({ failed: 0, pending: 0 });
    // Nothing failed is left: a second replay queues nothing.
    const none = await server.app.inject({
      method: 'POST',
      url: `/api/v2/applications/${app.id}/event-streams/${streamId}/replay`,
      headers: await admin(),
      payload: {},
    });
    expect(none.json().data).toEqual({ queued: 0 });
  });

  it('in the background, a logout reaches the receiver without waiting for the timer', async () => {
    worker().start(3_600_000); // a timer that never fires during the test: only the bus wakes it
    try {
      const arrived = receiver.next();
      const sid = await logoutOnce();
      await arrived;
      expect((await verifySet(receiver.received[0]!.set)).sub_id.session!.id).toBe(sid);
    } finally {
      await worker().stop();
    }
  });
});
