// Signoff as a Shared Signals transmitter, driven by a receiver written here from the specs
// alone (SSF 1.0, RFC 8936 poll, RFC 8417 SETs, CAEP 1.0) — not with Signoff's SDK: discovery,
// a client-credentials token, streams, verification, status, subjects, the session-revoked
// events of logouts and kicks, acknowledgement, a restart, and other receivers kept out.
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from './helpers/oidc-clients.ts';
import {
  accepted,
  createAppAndUser,
  getMe,
  login,
  startTestServer,
  type TestServer,
} from './helpers/server.ts';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const ACCOUNT_PURGED = 'https://schemas.openid.net/secevent/risc/event-type/account-purged';
const POLL = 'urn:ietf:rfc:8936';

interface Stream {
  stream_id: string;
  iss: string;
  aud: string;
  delivery: { method: string; endpoint_url: string };
  events_delivered: string[];
  description?: string;
}

describe('Shared Signals transmitter (a receiver written from the specs)', () => {
  let server: TestServer;
  let issuer: string;
  let jwks: ReturnType<typeof jose.createRemoteJWKSet>;
  let app: { id: string; secret: string };
  let other: { id: string; secret: string };
  let user: { id: string; username: string; password: string };
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    issuer = `${server.url}/oidc`;
    jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
    const created = await createAppAndUser(server, { name: 'Receiver app' });
    app = created.app;
    user = created.user;
    other = (await createAppAndUser(server, { name: 'Other app' })).app;
    token = await receiverToken(app);
  });
  afterAll(() => server.close());

  async function receiverToken(of: { id: string; secret: string }, scope = 'ssf') {
    return (await oidc.clientCredentialsGrant(await discover(issuer, of, 'client_secret_basic'), { scope }))
      .access_token;
  }

  async function call(method: string, path: string, body?: unknown, bearer = token) {
    const res = await fetch(path.startsWith('http') ? path : `${issuer}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  }

  /** RFC 8936 §2.4: a poll, acknowledging what the receiver has. */
  async function poll(stream: Stream, request: Record<string, unknown> = { returnImmediately: true }) {
    const res = await call('POST', stream.delivery.endpoint_url, request);
    expect(res.status).toBe(200);
    return res.body as { sets: Record<string, string>; moreAvailable?: boolean };
  }

  /** Verifies a SET as a receiver must (RFC 8417 §2, SSF 1.0 §4.1) and returns its claims. */
  async function verifySet(set: string) {
    const { payload, protectedHeader } = await jose.jwtVerify(set, jwks, {
      issuer,
      audience: app.id,
      typ: 'secevent+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).not.toHaveProperty('sub');
    expect(payload).not.toHaveProperty('exp');
    expect(typeof payload.jti).toBe('string');
    return payload as jose.JWTPayload & {
      sub_id: Record<string, unknown>;
      events: Record<string, Record<string, unknown>>;
    };
  }

  /** Every SET now waiting on a stream, verified, then acknowledged. */
  async function drain(stream: Stream) {
    const { sets } = await poll(stream);
    const claims = await Promise.all(Object.values(sets).map(verifySet));
    if (Object.keys(sets).length > 0) await poll(stream, { maxEvents: 0, ack: Object.keys(sets) });
    return claims;
  }

  async function createPollStream(description: string) {
    const res = await call('POST', '/ssf/stream', {
      delivery: { method: POLL },
      events_requested: [SESSION_REVOKED, ACCOUNT_PURGED, 'urn:example:unknown'],
      description,
    });
    expect(res.status).toBe(201);
    return res.body as Stream;
  }

  it('publishes its metadata at the SSF 1.0 §7 location and under the issuer', async () => {
    for (const url of [
      `${server.url}/.well-known/ssf-configuration/oidc`,
      `${issuer}/.well-known/ssf-configuration`,
    ]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        spec_version: '1_0',
        issuer,
        jwks_uri: `${issuer}/jwks`,
        delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
        configuration_endpoint: `${issuer}/ssf/stream`,
        status_endpoint: `${issuer}/ssf/status`,
        add_subject_endpoint: `${issuer}/ssf/subjects/add`,
        remove_subject_endpoint: `${issuer}/ssf/subjects/remove`,
        verification_endpoint: `${issuer}/ssf/verify`,
        authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
        default_subjects: 'ALL',
      });
    }
  });

  it('creates, reads, updates, replaces and deletes a poll stream (SSF 1.0 §8.1.1)', async () => {
    const stream = await createPollStream('crud');
    expect(stream).toMatchObject({
      iss: issuer,
      aud: app.id,
      delivery: { method: POLL, endpoint_url: `${issuer}/ssf/poll/${stream.stream_id}` },
      events_delivered: [SESSION_REVOKED, ACCOUNT_PURGED],
      description: 'crud',
    });
    expect((await call('GET', `/ssf/stream?stream_id=${stream.stream_id}`)).body).toEqual(stream);
    expect(((await call('GET', '/ssf/stream')).body as Stream[]).map((s) => s.stream_id)).toContain(
      stream.stream_id,
    );
    const patched = await call('PATCH', '/ssf/stream', {
      stream_id: stream.stream_id,
      description: 'renamed',
    });
    expect(patched.body).toMatchObject({
      description: 'renamed',
      events_delivered: [SESSION_REVOKED, ACCOUNT_PURGED],
    });
    // A transmitter-supplied property that does not match is a 400, and nothing changes.
    const wrong = await call('PATCH', '/ssf/stream', {
      stream_id: stream.stream_id,
      aud: 'someone-else',
      description: 'x',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.err).toBe('invalid_request');
    const replaced = await call('PUT', '/ssf/stream', {
      stream_id: stream.stream_id,
      delivery: { method: POLL },
    });
    expect(replaced.body).not.toHaveProperty('description');
    expect(replaced.body.events_delivered).toHaveLength(3); // requested dropped: every supported event
    expect((await call('DELETE', `/ssf/stream?stream_id=${stream.stream_id}`)).status).toBe(204);
    expect((await call('GET', `/ssf/stream?stream_id=${stream.stream_id}`)).status).toBe(404);
  });

  it('verification: a SET with the receiver’s state, on the stream (§8.1.4)', async () => {
    const stream = await createPollStream('verify');
    expect(
      (await call('POST', '/ssf/verify', { stream_id: stream.stream_id, state: 'xyz-123' })).status,
    ).toBe(204);
    const [set] = await drain(stream);
    expect(set).toMatchObject({
      aud: app.id,
      sub_id: { format: 'opaque', id: stream.stream_id },
      events: { [VERIFICATION]: { state: 'xyz-123' } },
    });
    // More often than min_verification_interval: 429 with Retry-After.
    const again = await call('POST', '/ssf/verify', { stream_id: stream.stream_id });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('session-revoked for a logout, once; acknowledged SETs never come again', async () => {
    const stream = await createPollStream('logout');
    const signedIn = await login(server, app.id, user.username, user.password);
    const sid = (jose.decodeJwt(signedIn.token) as { sid: string }).sid;
    // A long poll (returnImmediately false) waiting when the logout happens returns with it.
    const waiting = poll(stream, { maxEvents: 10, returnImmediately: false });
    await call('POST', `${server.url}/api/v2/logout`, undefined, signedIn.token);
    const { sets } = await waiting;
    const claims = await Promise.all(Object.values(sets).map(verifySet));
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({
      sub_id: {
        format: 'complex',
        user: { format: 'iss_sub', iss: issuer, sub: user.id },
        session: { format: 'opaque', id: sid },
      },
      events: { [SESSION_REVOKED]: { initiating_entity: 'user', event_timestamp: expect.any(Number) } },
    });
    expect(typeof claims[0]!.txn).toBe('string');
    // Not acknowledged: offered again. Acknowledged: never again.
    expect(Object.keys((await poll(stream)).sets)).toEqual(Object.keys(sets));
    await poll(stream, { maxEvents: 0, ack: Object.keys(sets) });
    expect((await poll(stream)).sets).toEqual({});
  });

  it('a kick from the app is one event naming the user alone; a kick from another app none', async () => {
    const stream = await createPollStream('kick');
    await drain(stream);
    await login(server, app.id, user.username, user.password);
    await login(server, other.id, user.username, user.password);
    const headers = await server.adminHeaders();
    const kick = (appId: string) =>
      server.app.inject({
        method: 'POST',
        url: `/api/v2/applications/${appId}/kick-active-users`,
        headers,
        payload: { userIds: [user.id] },
      });
    expect((await kick(other.id)).statusCode).toBe(200);
    expect(await drain(stream)).toEqual([]);
    expect((await kick(app.id)).statusCode).toBe(200);
    const claims = await drain(stream);
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({
      sub_id: { format: 'complex', user: { format: 'iss_sub', iss: issuer, sub: user.id } },
      events: { [SESSION_REVOKED]: { initiating_entity: 'admin' } },
    });
    expect(claims[0]!.sub_id).not.toHaveProperty('session');
  });

  it('a session ended in the personal center is reported', async () => {
    const stream = await createPollStream('personal center');
    const one = await login(server, app.id, user.username, user.password);
    const two = await login(server, app.id, user.username, user.password);
    const sidTwo = (jose.decodeJwt(two.token) as { sid: string }).sid;
    await drain(stream);
    // The same end as the personal center's "End session" (DELETE me/sessions/:sid from /u).
    const ended = await server.app.inject({
      method: 'DELETE',
      url: `/api/v2/users/me/sessions/${sidTwo}`,
      headers: { authorization: `Bearer ${one.token}` },
    });
    expect(ended.statusCode).toBe(200);
    const claims = await drain(stream);
    expect(claims.map((c) => (c.sub_id.session as { id: string }).id)).toEqual([sidTwo]);
    expect((await getMe(server, two.token)).statusCode).toBe(401);
  });

  it('paused: events are held, then delivered on resume; disabled: dropped (§8.1.2)', async () => {
    const stream = await createPollStream('status');
    await drain(stream);
    const status = (body: Record<string, unknown>) =>
      call('POST', '/ssf/status', { stream_id: stream.stream_id, ...body });
    expect((await status({ status: 'paused', reason: 'maintenance' })).body).toEqual({
      stream_id: stream.stream_id,
      status: 'paused',
      reason: 'maintenance',
    });
    expect((await call('GET', `/ssf/status?stream_id=${stream.stream_id}`)).body.status).toBe('paused');
    const signedIn = await login(server, app.id, user.username, user.password);
    await call('POST', `${server.url}/api/v2/logout`, undefined, signedIn.token);
    expect((await poll(stream)).sets).toEqual({});
    await status({ status: 'enabled' });
    expect(await drain(stream)).toHaveLength(1);

    await status({ status: 'disabled' });
    const again = await login(server, app.id, user.username, user.password);
    await call('POST', `${server.url}/api/v2/logout`, undefined, again.token);
    await status({ status: 'enabled' });
    expect(await drain(stream)).toEqual([]);
  });

  it('remove subject: no more events for that user; add subject: they come again (§8.1.3)', async () => {
    const stream = await createPollStream('subjects');
    await drain(stream);
    const subject = { format: 'iss_sub', iss: issuer, sub: user.id };
    expect(
      (await call('POST', '/ssf/subjects/remove', { stream_id: stream.stream_id, subject })).status,
    ).toBe(204);
    const first = await login(server, app.id, user.username, user.password);
    await call('POST', `${server.url}/api/v2/logout`, undefined, first.token);
    expect(await drain(stream)).toEqual([]);
    const byEmail = { format: 'email', email: `${user.username}@example.com` };
    expect(
      (await call('POST', '/ssf/subjects/add', { stream_id: stream.stream_id, subject: byEmail })).status,
    ).toBe(200);
    const second = await login(server, app.id, user.username, user.password);
    await call('POST', `${server.url}/api/v2/logout`, undefined, second.token);
    expect(await drain(stream)).toHaveLength(1);
    // A subject that is not one of the app's users is not recognized.
    const stranger = { format: 'iss_sub', iss: issuer, sub: 'ffffffffffffffffffffffff' };
    expect(
      (await call('POST', '/ssf/subjects/remove', { stream_id: stream.stream_id, subject: stranger })).status,
    ).toBe(404);
    const unsupported = { format: 'phone_number', phone_number: '+12065550100' };
    expect(
      (await call('POST', '/ssf/subjects/add', { stream_id: stream.stream_id, subject: unsupported })).status,
    ).toBe(400);
  });

  it('account-purged when a user is deleted', async () => {
    const purged = await createAppAndUser(server, { name: 'Purge app' }, { username: 'to-purge' });
    const purgeToken = await receiverToken(purged.app);
    const res = await call('POST', '/ssf/stream', { delivery: { method: POLL } }, purgeToken);
    const stream = res.body as Stream;
    await login(server, purged.app.id, purged.user.username, purged.user.password);
    const headers = await server.adminHeaders();
    expect(
      (await server.app.inject({ method: 'DELETE', url: `/api/v2/users/${purged.user.id}`, headers }))
        .statusCode,
    ).toBe(200);
    const polled = await call('POST', stream.delivery.endpoint_url, { returnImmediately: true }, purgeToken);
    const events = await Promise.all(
      Object.values(polled.body.sets as Record<string, string>).map(async (set) => {
        const { payload } = await jose.jwtVerify(set, jwks, {
          issuer,
          audience: purged.app.id,
          typ: 'secevent+jwt',
        });
        return Object.keys(payload.events as object)[0];
      }),
    );
    expect(events.sort()).toEqual([ACCOUNT_PURGED, SESSION_REVOKED].sort());
  });

  it('another app’s, another pool’s or a scope-less token gets 401, 403 or 404 on every route, and changes nothing', async () => {
    const stream = await createPollStream('guarded');
    const otherToken = await receiverToken(other);
    const noScope = await receiverToken(app, '');
    const poolB = await server.services.pools.create({ name: 'B' });
    if (!poolB.ok) throw new Error('pool B');
    const bApp = accepted(await server.services.apps.create(poolB.pool.id, { name: 'B app' }));
    const bToken = (
      await oidc.clientCredentialsGrant(
        await discover(
          `${server.url}/oidc/pools/${poolB.pool.id}`,
          { id: bApp.app.id, secret: bApp.secret },
          'client_secret_post',
        ),
        { scope: 'ssf' },
      )
    ).access_token;
    const id = stream.stream_id;
    const routes: [string, string, unknown?][] = [
      ['GET', `/ssf/stream?stream_id=${id}`],
      ['PATCH', '/ssf/stream', { stream_id: id, description: 'taken over' }],
      ['PUT', '/ssf/stream', { stream_id: id }],
      ['DELETE', `/ssf/stream?stream_id=${id}`],
      ['GET', `/ssf/status?stream_id=${id}`],
      ['POST', '/ssf/status', { stream_id: id, status: 'disabled' }],
      [
        'POST',
        '/ssf/subjects/remove',
        { stream_id: id, subject: { format: 'iss_sub', iss: issuer, sub: user.id } },
      ],
      [
        'POST',
        '/ssf/subjects/add',
        { stream_id: id, subject: { format: 'iss_sub', iss: issuer, sub: user.id } },
      ],
      ['POST', '/ssf/verify', { stream_id: id }],
      ['POST', `/ssf/poll/${id}`, { ack: [] }],
    ];
    for (const [method, path, body] of routes) {
      expect((await call(method, path, body, 'not-a-token')).status, `${method} ${path} bad token`).toBe(401);
      const none = await fetch(`${issuer}${path}`, {
        method,
        ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
      expect(none.status, `${method} ${path} no token`).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect((await call(method, path, body, bToken)).status, `${method} ${path} pool B`).toBe(401);
      expect((await call(method, path, body, noScope)).status, `${method} ${path} no scope`).toBe(403);
      expect((await call(method, path, body, otherToken)).status, `${method} ${path} other app`).toBe(404);
    }
    // Still there, unchanged.
    expect((await call('GET', `/ssf/stream?stream_id=${id}`)).body).toEqual(stream);
    expect((await call('GET', `/ssf/status?stream_id=${id}`)).body.status).toBe('enabled');
    // Pool B's own transmitter lists none of pool A's streams.
    const bIssuer = `${server.url}/oidc/pools/${poolB.pool.id}`;
    expect((await call('GET', `${bIssuer}/ssf/stream`, undefined, bToken)).body).toEqual([]);
  });

  it('the app’s administrator sees each stream and how its SETs stand', async () => {
    const stream = await createPollStream('ledger');
    await drain(stream);
    const signedIn = await login(server, app.id, user.username, user.password);
    await call('POST', `${server.url}/api/v2/logout`, undefined, signedIn.token);
    const listed = async () =>
      (
        await server.app.inject({
          method: 'GET',
          url: `/api/v2/applications/${app.id}/event-streams`,
          headers: await server.adminHeaders(),
        })
      )
        .json()
        .data.list.find((s: { id: string }) => s.id === stream.stream_id);
    expect(await listed()).toMatchObject({
      delivery: 'poll',
      status: 'enabled',
      description: 'ledger',
      pending: 1,
      delivered: 0,
      failed: 0,
      lagSeconds: expect.any(Number),
    });
    const { sets } = await poll(stream);
    const [jti] = Object.keys(sets);
    await poll(stream, {
      maxEvents: 0,
      setErrs: { [jti!]: { err: 'invalid_request', description: 'not for us' } },
    });
    expect(await listed()).toMatchObject({
      pending: 0,
      failed: 1,
      lastError: 'invalid_request: not for us',
      lagSeconds: null,
    });
  });

  it('unacknowledged SETs survive a restart of the server', async () => {
    const stream = await createPollStream('restart');
    await drain(stream);
    const signedIn = await login(server, app.id, user.username, user.password);
    await call('POST', `${server.url}/api/v2/logout`, undefined, signedIn.token);
    const before = Object.keys((await poll(stream)).sets);
    expect(before).toHaveLength(1);
    const location = server.location;
    await server.close({ keepData: true });
    server = await startTestServer({ listen: true, reuse: location });
    issuer = `${server.url}/oidc`;
    jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
    token = await receiverToken(app);
    const url = `${issuer}/ssf/poll/${stream.stream_id}`;
    const after = await call('POST', url, { returnImmediately: true });
    expect(Object.keys(after.body.sets)).toEqual(before);
  });
});
