// Changing a password ends sessions the right way (issue 11, part 3): a user's change through
// the API and through the personal center's form, and an administrator's reset. Checked as a
// user, an app and a Shared Signals receiver (written here from the specs, as in ssf.test.ts)
// would check it: which tokens still work, which password signs in, what the app's stream
// carries (verified against the JWKS), which back-channel notices are queued, what the audit
// trail says.
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from './helpers/oidc-clients.ts';
import { pageClient } from './helpers/page-client.ts';
import {
  accepted,
  createAppAndUser,
  getMe,
  login,
  startTestServer,
  type TestServer,
} from './helpers/server.ts';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';

interface Stream {
  stream_id: string;
  delivery: { endpoint_url: string };
}

type SetClaims = jose.JWTPayload & {
  txn?: string;
  sub_id: Record<string, unknown>;
  events: Record<string, Record<string, unknown>>;
};

describe('password change and reset', () => {
  let server: TestServer;
  let issuer: string;
  let jwks: ReturnType<typeof jose.createRemoteJWKSet>;
  let app: { id: string; secret: string };
  let receiverToken: string;
  let stream: Stream;

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    issuer = `${server.url}/oidc`;
    jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
    // The app has a back-channel logout URI (never reached: the worker does not run here) and
    // a poll stream with every event it may carry.
    ({ app } = await createAppAndUser(server, {
      name: 'Notes',
      backchannelLogoutUri: 'http://127.0.0.1:9/bc',
    }));
    const config = await discover(issuer, app, 'client_secret_basic');
    receiverToken = (await oidc.clientCredentialsGrant(config, { scope: 'ssf' })).access_token;
    const created = await ssf('POST', `${issuer}/ssf/stream`, { delivery: { method: 'urn:ietf:rfc:8936' } });
    expect(created.status).toBe(201);
    stream = created.body as Stream;
  });
  afterAll(() => server.close());

  async function ssf(method: string, url: string, body?: unknown) {
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${receiverToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Every SET waiting on the app's stream, verified as a receiver must (RFC 8417, SSF 1.0 §4.1), then acknowledged. */
  async function drain(): Promise<SetClaims[]> {
    const { body } = await ssf('POST', stream.delivery.endpoint_url, { returnImmediately: true });
    const sets = body.sets as Record<string, string>;
    const claims = await Promise.all(
      Object.values(sets).map(async (set) => {
        const { payload, protectedHeader } = await jose.jwtVerify(set, jwks, {
          issuer,
          audience: app.id,
          typ: 'secevent+jwt',
        });
        expect(protectedHeader.alg).toBe('RS256');
        expect(payload).not.toHaveProperty('sub');
        return payload as SetClaims;
      }),
    );
    if (Object.keys(sets).length > 0) {
      await ssf('POST', stream.delivery.endpoint_url, { maxEvents: 0, ack: Object.keys(sets) });
    }
    return claims;
  }

  const eventOf = (claims: SetClaims) => Object.keys(claims.events)[0];
  const sidOf = (token: string) => (jose.decodeJwt(token) as { sid: string }).sid;

  /** A user of the pool, created by the management API. */
  async function newUser() {
    const headers = await server.adminHeaders();
    const username = `pw-${Math.random().toString(16).slice(2, 10)}`;
    const password = 'first password 1';
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v2/users',
      headers,
      payload: { username, email: `${username}@example.com`, password },
    });
    expect(res.statusCode).toBe(200);
    return { id: res.json().data.id as string, username, password };
  }

  const signIn = async (user: { username: string }, password: string) =>
    (await login(server, app.id, user.username, password)).token;

  const signInStatus = async (user: { username: string }, password: string) =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/api/v2/login/account',
        headers: { 'x-authing-app-id': app.id },
        payload: { account: user.username, password },
      })
    ).statusCode;

  const changeMine = (token: string, payload: Record<string, unknown>) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v2/users/me/password',
      headers: { authorization: `Bearer ${token}` },
      payload,
    });

  async function adminGet(url: string) {
    const res = await server.app.inject({ method: 'GET', url, headers: await server.adminHeaders() });
    expect(res.statusCode).toBe(200);
    return res.json().data;
  }

  const credentialChangesOf = async (userId: string) =>
    ((await adminGet('/api/v2/audit/credential-changes?limit=100')).list as { userId: string }[]).filter(
      (c) => c.userId === userId,
    );

  describe('through the API (POST /api/v2/users/me/password)', () => {
    it('ends my other sessions, keeps this one; the app is told by SET and back-channel; audited', async () => {
      const user = await newUser();
      const mine = await signIn(user, user.password);
      const others = [await signIn(user, user.password), await signIn(user, user.password)];
      await drain();

      const res = await changeMine(mine, { oldPassword: user.password, newPassword: 'second password 2' });
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(data).toMatchObject({ user: { id: user.id }, ended: 2, changeId: expect.any(String) });

      expect((await getMe(server, mine)).statusCode).toBe(200);
      for (const token of others) expect((await getMe(server, token)).statusCode).toBe(401);
      expect(await signInStatus(user, user.password)).toBe(401);
      expect(await signInStatus(user, 'second password 2')).toBe(200);

      // The stream: one credential change about the user, and a session-revoked per ended
      // session, all with the change as their txn.
      const claims = await drain();
      const change = claims.filter((c) => eventOf(c) === CREDENTIAL_CHANGE);
      expect(change).toHaveLength(1);
      expect(change[0]).toMatchObject({
        txn: data.changeId,
        sub_id: { format: 'iss_sub', iss: issuer, sub: user.id },
        events: {
          [CREDENTIAL_CHANGE]: {
            credential_type: 'password',
            change_type: 'update',
            initiating_entity: 'user',
            event_timestamp: expect.any(Number),
            reason_admin: { en: 'The user changed their password' },
          },
        },
      });
      const revoked = claims.filter((c) => eventOf(c) === SESSION_REVOKED);
      expect(revoked.map((c) => (c.sub_id.session as { id: string }).id).sort()).toEqual(
        others.map(sidOf).sort(),
      );
      for (const c of revoked) {
        expect(c.txn).toBe(data.changeId);
        expect(c.events[SESSION_REVOKED]).toMatchObject({ initiating_entity: 'user' });
      }

      // Back-channel logout notices queued for the ended sessions only.
      const deliveries = await adminGet(
        `/api/v2/applications/${app.id}/logout-deliveries?status=pending&limit=100`,
      );
      const notified = (deliveries.list as { sid: string }[]).map((d) => d.sid);
      for (const token of others) expect(notified).toContain(sidOf(token));
      expect(notified).not.toContain(sidOf(mine));

      // The audit trail: the end with its reason and the user as actor, and the change itself.
      const ends = await adminGet('/api/v2/audit/session-ends?limit=100');
      expect(ends.list.find((r: { id: string }) => r.id === data.changeId)).toMatchObject({
        reason: 'password_changed',
        actor: { type: 'user', id: user.id },
        sessions: 2,
        apps: [app.id],
      });
      expect(await credentialChangesOf(user.id)).toEqual([
        {
          id: data.changeId,
          at: expect.any(String),
          userId: user.id,
          credentialType: 'password',
          reason: 'password_changed',
          actor: { type: 'user', id: user.id },
          endSessions: 'others',
          sessionsEnded: 2,
          events: 1,
        },
      ]);
    });

    it('keepOtherSessions: nothing ends, and the change is still audited and told to the app', async () => {
      const user = await newUser();
      const mine = await signIn(user, user.password);
      const other = await signIn(user, user.password);
      await drain();
      const res = await changeMine(mine, {
        oldPassword: user.password,
        newPassword: 'kept sessions pw',
        keepOtherSessions: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.ended).toBe(0);
      expect((await getMe(server, mine)).statusCode).toBe(200);
      expect((await getMe(server, other)).statusCode).toBe(200);
      expect(await signInStatus(user, 'kept sessions pw')).toBe(200);

      const claims = await drain();
      expect(claims.map(eventOf)).toEqual([CREDENTIAL_CHANGE]);
      expect(await credentialChangesOf(user.id)).toEqual([
        expect.objectContaining({ id: res.json().data.changeId, endSessions: 'none', sessionsEnded: 0 }),
      ]);
      // No session end was written for it.
      const ends = await adminGet('/api/v2/audit/session-ends?limit=100');
      expect(ends.list.some((r: { id: string }) => r.id === res.json().data.changeId)).toBe(false);
    });

    it('a wrong current password changes nothing (401 / 4010); a short new one is a 400', async () => {
      const user = await newUser();
      const mine = await signIn(user, user.password);
      const other = await signIn(user, user.password);
      await drain();

      const wrong = await changeMine(mine, { oldPassword: 'not my password', newPassword: 'whatever pw 3' });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toEqual({ code: 4010, message: 'The current password is incorrect' });
      const short = await changeMine(mine, { oldPassword: user.password, newPassword: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.json().code).toBe(4000);
      expect(short.json().message).toContain('body/newPassword');

      expect((await getMe(server, other)).statusCode).toBe(200);
      expect(await signInStatus(user, user.password)).toBe(200);
      expect(await signInStatus(user, 'whatever pw 3')).toBe(401);
      expect(await drain()).toEqual([]);
      expect(await credentialChangesOf(user.id)).toEqual([]);

      // Without a session, the route is for nobody.
      const anonymous = await server.app.inject({
        method: 'POST',
        url: '/api/v2/users/me/password',
        payload: { oldPassword: user.password, newPassword: 'whatever pw 3' },
      });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().code).toBe(2020);
    });

    it('wrong current passwords count as failed sign-ins of the user: then 429, even for the right one', async () => {
      const user = await newUser();
      const mine = await signIn(user, user.password);
      for (let i = 0; i < 5; i++) {
        expect(
          (await changeMine(mine, { oldPassword: `guess ${i}`, newPassword: 'new password 9' })).statusCode,
        ).toBe(401);
      }
      const locked = await changeMine(mine, { oldPassword: user.password, newPassword: 'new password 9' });
      expect(locked.statusCode).toBe(429);
      expect(locked.json().code).toBe(4290);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      // The same count as the sign-in routes: the account is locked there too.
      expect(await signInStatus(user, user.password)).toBe(429);
    });

    it('works with the session cookie as well as with a token', async () => {
      const user = await newUser();
      const first = await login(server, app.id, user.username, user.password);
      const other = await signIn(user, user.password);
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v2/users/me/password',
        headers: { cookie: first.cookie },
        payload: { oldPassword: user.password, newPassword: 'cookie password' },
      });
      expect(res.statusCode).toBe(200);
      expect((await getMe(server, first.token)).statusCode).toBe(200);
      expect((await getMe(server, other)).statusCode).toBe(401);
    });
  });

  describe('in the personal center (/u)', () => {
    async function signedInBrowser(user: { username: string; password: string }) {
      const browser = pageClient(server);
      const res = await browser.submit('/login', '/login', {
        account: user.username,
        password: user.password,
      });
      expect(res.statusCode).toBe(303);
      // An app joins the browser's session: its token tells whether that session lives.
      const { token } = await login(server, app.id, user.username, user.password, browser.cookieHeader());
      return { browser, token };
    }

    // What a browser sends for the form: the hidden "no", then "yes" when the box is ticked.
    const ticked = ['no', 'yes'];
    const unticked = ['no'];

    it('shows the form: current password, new password twice, "Log out my other devices" ticked', async () => {
      const user = await newUser();
      const { browser } = await signedInBrowser(user);
      const page = (await browser.get('/u')).body;
      expect(page).toContain('<h2 id="password-title">Password</h2>');
      expect(page).toContain('<form method="post" action="/u/password"');
      expect(page).toContain('<label for="current-password">Current password</label>');
      expect(page).toContain('<label for="new-password">New password</label>');
      expect(page).toContain('<label for="confirm-password">Confirm new password</label>');
      expect(page).toMatch(
        /<input type="checkbox" name="log_out_others" value="yes"[^>]* checked> <span>Log out my other devices<\/span>/,
      );
      expect(page).toContain('<button type="submit" class="button button-primary">Change password</button>');
    });

    it('by default signs the other devices out; this browser stays signed in', async () => {
      const user = await newUser();
      const { browser, token } = await signedInBrowser(user);
      const other = await signIn(user, user.password);
      await drain();
      const res = await browser.submit('/u', '/u/password', {
        current_password: user.password,
        new_password: 'from the form 1',
        confirm_password: 'from the form 1',
        log_out_others: ticked,
      });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/u?notice=password-changed');
      const center = await browser.get('/u?notice=password-changed');
      expect(center.statusCode).toBe(200);
      expect(center.body).toContain('Your password is changed. Your other devices are signed out.');
      expect((await getMe(server, token)).statusCode).toBe(200);
      expect((await getMe(server, other)).statusCode).toBe(401);
      expect(await signInStatus(user, 'from the form 1')).toBe(200);
      const claims = await drain();
      expect(claims.map(eventOf).sort()).toEqual([CREDENTIAL_CHANGE, SESSION_REVOKED]);
      const [change] = await credentialChangesOf(user.id);
      expect(change).toMatchObject({ reason: 'password_changed', endSessions: 'others', sessionsEnded: 1 });
    });

    it('with the box unticked, every session goes on', async () => {
      const user = await newUser();
      const { browser, token } = await signedInBrowser(user);
      const other = await signIn(user, user.password);
      const res = await browser.submit('/u', '/u/password', {
        current_password: user.password,
        new_password: 'kept on the form',
        confirm_password: 'kept on the form',
        log_out_others: unticked,
      });
      expect(res.headers.location).toBe('/u?notice=password-changed-kept');
      expect((await getMe(server, token)).statusCode).toBe(200);
      expect((await getMe(server, other)).statusCode).toBe(200);
      expect(await credentialChangesOf(user.id)).toEqual([
        expect.objectContaining({ endSessions: 'none', sessionsEnded: 0 }),
      ]);
    });

    it('a wrong current password, a mismatch or an expired form changes nothing and says why', async () => {
      const user = await newUser();
      const { browser } = await signedInBrowser(user);
      const other = await signIn(user, user.password);
      const fields = {
        new_password: 'never applied 1',
        confirm_password: 'never applied 1',
        log_out_others: ticked,
      };

      const wrong = await browser.submit('/u', '/u/password', {
        ...fields,
        current_password: 'not it at all',
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toContain('The current password is incorrect.');
      expect(wrong.body).toMatch(
        /id="current-password"[^>]* aria-invalid="true" aria-describedby="password-error"/,
      );

      const mismatch = await browser.submit('/u', '/u/password', {
        ...fields,
        current_password: user.password,
        confirm_password: 'something else',
      });
      expect(mismatch.statusCode).toBe(400);
      expect(mismatch.body).toContain('The new passwords do not match.');

      const short = await browser.submit('/u', '/u/password', {
        current_password: user.password,
        new_password: 'short',
        confirm_password: 'short',
      });
      expect(short.statusCode).toBe(400);
      expect(short.body).toContain('The new password must be at least 8 characters.');

      const forged = await browser.post('/u/password', { ...fields, current_password: user.password });
      expect(forged.statusCode).toBe(403);
      expect(forged.body).toContain('This form has expired');

      expect((await getMe(server, other)).statusCode).toBe(200);
      expect(await signInStatus(user, user.password)).toBe(200);
      expect(await credentialChangesOf(user.id)).toEqual([]);
    });
  });

  describe('an administrator sets a new password (POST /api/v2/users/:userId/password)', () => {
    const reset = async (
      userId: string,
      payload: Record<string, unknown>,
      headers?: Record<string, string>,
    ) =>
      server.app.inject({
        method: 'POST',
        url: `/api/v2/users/${userId}/password`,
        headers: headers ?? (await server.adminHeaders()),
        payload,
      });

    it('by default ends every session of the user; the app is told, with initiating_entity admin', async () => {
      const user = await newUser();
      const tokens = [await signIn(user, user.password), await signIn(user, user.password)];
      await drain();
      const res = await reset(user.id, { password: 'set by an admin' });
      expect(res.statusCode).toBe(200);
      const { data } = res.json();
      expect(data).toMatchObject({ user: { id: user.id }, ended: 2 });
      for (const token of tokens) expect((await getMe(server, token)).statusCode).toBe(401);
      expect(await signInStatus(user, user.password)).toBe(401);
      expect(await signInStatus(user, 'set by an admin')).toBe(200);

      const claims = await drain();
      expect(claims.find((c) => eventOf(c) === CREDENTIAL_CHANGE)).toMatchObject({
        txn: data.changeId,
        sub_id: { format: 'iss_sub', sub: user.id },
        events: { [CREDENTIAL_CHANGE]: { initiating_entity: 'admin', change_type: 'update' } },
      });
      // Every session of the user in the app: one event naming the user alone.
      const revoked = claims.filter((c) => eventOf(c) === SESSION_REVOKED);
      expect(revoked).toHaveLength(1);
      expect(revoked[0]!.sub_id).not.toHaveProperty('session');
      expect(revoked[0]!.events[SESSION_REVOKED]).toMatchObject({ initiating_entity: 'admin' });

      const ends = await adminGet('/api/v2/audit/session-ends?limit=100');
      expect(ends.list.find((r: { id: string }) => r.id === data.changeId)).toMatchObject({
        reason: 'admin_password_reset',
        actor: { type: 'admin', id: 'management-api' },
        sessions: 2,
      });
      expect(await credentialChangesOf(user.id)).toEqual([
        expect.objectContaining({ reason: 'admin_password_reset', endSessions: 'all', sessionsEnded: 2 }),
      ]);
    });

    it('endSessions: false keeps them; unknown users, short passwords and other pools are refused', async () => {
      const user = await newUser();
      const token = await signIn(user, user.password);
      const kept = await reset(user.id, { password: 'kept by admin', endSessions: false });
      expect(kept.statusCode).toBe(200);
      expect(kept.json().data.ended).toBe(0);
      expect((await getMe(server, token)).statusCode).toBe(200);

      const unknown = await reset('ffffffffffffffffffffffff', { password: 'whatever pw 4' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe(2004);
      const short = await reset(user.id, { password: 'short' });
      expect(short.statusCode).toBe(400);

      // Another pool's administrator cannot reach this pool's user.
      const other = accepted(await server.services.pools.create({ name: 'Elsewhere' }));
      const issued = await server.services.pools.issueAdminToken(other.pool.id, other.secret);
      if (!issued.ok) throw new Error(issued.reason);
      const foreign = await reset(
        user.id,
        { password: 'foreign password' },
        { authorization: `Bearer ${issued.accessToken}`, 'x-authing-userpool-id': other.pool.id },
      );
      expect(foreign.statusCode).toBe(404);
      expect(await signInStatus(user, 'kept by admin')).toBe(200);
    });
  });
});
