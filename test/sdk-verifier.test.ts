// The SDK's token verifier (CONTRACT §9, issue 9 part 2) against a listening Signoff: Signoff
// access tokens verified locally, refused after every kind of logout as soon as the app's
// Shared Signals stream carries it, after the verifier's own restart, across a key rotation,
// and with the documented behaviour when the feed is down; the Node and Fastify middlewares.
//
// "Within the long poll": each refusal is awaited by calling `verify` until it refuses, with a
// bound (REFUSAL_BOUND_MS) that only keeps a broken build from hanging — no timing is asserted.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthenticatedRequest,
  createFastifyTokenHook,
  createTokenMiddleware,
  createTokenVerifier,
  type FetchLike,
  type TokenVerification,
  type TokenVerifier,
} from '../sdk/src/index.ts';
import { createManualClock } from '../src/domain/clock.ts';
import { CookieJar } from './helpers/browserless.ts';
import { discover } from './helpers/oidc-clients.ts';
import { pageClient } from './helpers/page-client.ts';
import { accepted, createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';

const CALLBACK = 'https://api-app.example/callback';
const SIGNED_OUT = 'https://api-app.example/signed-out';
const REFUSAL_BOUND_MS = 5000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `verify` until it refuses (the SET has arrived) or the bound is reached; the last answer. */
async function untilRefused(verifier: TokenVerifier, token: string): Promise<TokenVerification> {
  const deadline = Date.now() + REFUSAL_BOUND_MS;
  for (;;) {
    const result = await verifier.verify(token);
    if (!result.ok || Date.now() > deadline) return result;
    await pause(5);
  }
}

const revoked = { ok: false, reason: 'revoked' };
const sidOf = (token: string) => jose.decodeJwt(token).sid as string;

describe('SDK token verifier', () => {
  // The server's clock moves only when a test says so: a re-login "one second after a kick" is
  // then one second after it, not whenever the machine gets there.
  const clock = createManualClock(Date.now());
  let server: TestServer;
  let issuer: string;
  let app: { id: string; secret: string };
  let other: { id: string; secret: string };
  let user: { id: string; username: string; password: string };
  let verifier: TokenVerifier;
  const verifiers: TokenVerifier[] = [];

  /** A verifier for `app` with its own stream (each verifier of an app needs one). */
  async function start(options: Partial<Parameters<typeof createTokenVerifier>[0]> = {}) {
    const started = await createTokenVerifier({
      issuer,
      clientId: app.id,
      clientSecret: app.secret,
      streamDescription: `test-${verifiers.length}`,
      ...options,
    });
    verifiers.push(started);
    return started;
  }

  const signIn = async (appId = app.id, cookie?: string) =>
    login(server, appId, user.username, user.password, cookie);

  const apiLogout = (token: string) =>
    fetch(`${server.url}/api/v2/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

  /** An OIDC code flow in a cookie-jar "browser" signed in with `cookie`: its tokens and jar. */
  async function oidcSignIn() {
    const signedIn = await signIn();
    const jar = new CookieJar();
    jar.cookies.set('signoff_session', signedIn.cookie.split('=')[1]!);
    const config = await discover(issuer, app, 'client_secret_basic');
    const pkce = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(pkce),
      code_challenge_method: 'S256',
    });
    const landed = new URL((await jar.follow(url.href, server.url)).url);
    const tokens = await oidc.authorizationCodeGrant(config, landed, {
      pkceCodeVerifier: pkce,
      expectedState: oidc.skipStateCheck,
    });
    return { config, jar, tokens, restToken: signedIn.token };
  }

  beforeAll(async () => {
    server = await startTestServer({ listen: true, clock });
    issuer = `${server.url}/oidc`;
    const created = await createAppAndUser(server, {
      name: 'Orders API',
      redirectUris: [CALLBACK],
      logoutRedirectUris: [SIGNED_OUT],
    });
    app = created.app;
    user = created.user;
    other = (await createAppAndUser(server, { name: 'Another app' })).app;
    verifier = await start();
  });
  afterAll(async () => {
    for (const v of verifiers) await v.close();
    await server.close();
  });

  describe('valid tokens', () => {
    it('accepts a REST sign-in token with its claims', async () => {
      const { token } = await signIn();
      const result = await verifier.verify(token);
      expect(result).toEqual({
        ok: true,
        claims: expect.objectContaining({ iss: issuer, sub: user.id, aud: app.id, sid: sidOf(token) }),
      });
    });

    it('accepts an OIDC access token (code flow) with its scope', async () => {
      const { tokens } = await oidcSignIn();
      const result = await verifier.verify(tokens.access_token);
      expect(result).toEqual({
        ok: true,
        claims: expect.objectContaining({
          iss: issuer,
          sub: user.id,
          aud: app.id,
          sid: tokens.claims()!.sid,
          scope: 'openid email',
        }),
      });
    });
  });

  it('does not start for an app Signoff refuses: a wrong secret, Shared Signals turned off', async () => {
    await expect(
      createTokenVerifier({ issuer, clientId: app.id, clientSecret: 'wrong' }),
    ).rejects.toMatchObject({
      name: 'SignoffError',
      status: 401,
      message: expect.stringContaining('invalid_client'),
    });
    const quiet = (await createAppAndUser(server, { name: 'No signals', ssfEnabled: false })).app;
    await expect(
      createTokenVerifier({ issuer, clientId: quiet.id, clientSecret: quiet.secret }),
    ).rejects.toMatchObject({
      name: 'SignoffError',
      status: 400,
      message: expect.stringContaining('invalid_scope'),
    });
  });

  describe('refusals', () => {
    it('malformed, bad signature, wrong type, wrong audience, expired', async () => {
      const { token } = await signIn();
      const [header, payload, signature] = token.split('.');
      expect(await verifier.verify('not a token')).toEqual({ ok: false, reason: 'malformed' });
      expect(await verifier.verify(`${header}.${payload}`)).toEqual({ ok: false, reason: 'malformed' });
      const tampered = jose.base64url.encode(
        JSON.stringify({ ...jose.decodeJwt(token), sub: 'someone-else' }),
      );
      expect(await verifier.verify(`${header}.${tampered}.${signature}`)).toEqual({
        ok: false,
        reason: 'bad_signature',
      });

      // The app's own client-credentials token: issued to it, but no user, no session.
      const config = await discover(issuer, app, 'client_secret_basic');
      const machine = await oidc.clientCredentialsGrant(config, { scope: 'ssf' });
      expect(await verifier.verify(machine.access_token)).toEqual({ ok: false, reason: 'wrong_type' });

      // Another app's token, same pool and keys.
      const foreign = await signIn(other.id);
      expect(await verifier.verify(foreign.token)).toEqual({ ok: false, reason: 'wrong_audience' });

      // Issued two hours ago by the server's clock: expired an hour ago.
      clock.advance(-2 * 3600_000);
      const old = await signIn();
      clock.advance(2 * 3600_000);
      expect(await verifier.verify(old.token)).toEqual({ ok: false, reason: 'expired' });
    });

    it('another pool’s token is wrong_issuer; a token signed by a key the issuer never published is unknown_key', async () => {
      const pool = await server.services.pools.create({ name: 'Pool B' });
      if (!pool.ok) throw new Error('pool B');
      // An app registered for client_secret_post: its verifier works the same.
      const b = accepted(
        await server.services.apps.create(pool.pool.id, {
          name: 'B app',
          tokenEndpointAuthMethod: 'client_secret_post',
        }),
      );
      const userB = { username: 'bea', password: 'correct horse battery' };
      if (!(await server.services.users.create(pool.pool.id, userB)).ok) throw new Error('user B');
      const tokenB = (await login(server, b.app.id, userB.username, userB.password)).token;
      expect(await verifier.verify(tokenB)).toEqual({ ok: false, reason: 'wrong_issuer' });

      // A verifier for pool B's issuer (/oidc/pools/{id}) takes B's tokens, refuses them after a
      // logout, and refuses the default pool's.
      const issuerB = `${server.url}/oidc/pools/${pool.pool.id}`;
      const verifierB = await createTokenVerifier({
        issuer: issuerB,
        clientId: b.app.id,
        clientSecret: b.secret,
      });
      verifiers.push(verifierB);
      expect(await verifierB.verify(tokenB)).toMatchObject({ ok: true, claims: { iss: issuerB } });
      expect(await verifierB.verify((await signIn()).token)).toEqual({ ok: false, reason: 'wrong_issuer' });
      expect((await apiLogout(tokenB)).status).toBe(200);
      expect(await untilRefused(verifierB, tokenB)).toEqual(revoked);

      // The issuer's own claims under a key it never published.
      const { privateKey } = await jose.generateKeyPair('RS256');
      const forged = await new jose.SignJWT({ sid: 'made-up', client_id: app.id })
        .setProtectedHeader({ alg: 'RS256', kid: 'not-a-signoff-key', typ: 'at+jwt' })
        .setIssuer(issuer)
        .setSubject(user.id)
        .setAudience(app.id)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      expect(await verifier.verify(forged)).toEqual({ ok: false, reason: 'unknown_key' });
    });
  });

  describe('revoked after each kind of logout, within the long poll', () => {
    it('API logout (POST /api/v2/logout)', async () => {
      const { token } = await signIn();
      expect((await verifier.verify(token)).ok).toBe(true);
      expect((await apiLogout(token)).status).toBe(200);
      expect(await untilRefused(verifier, token)).toEqual(revoked);
    });

    it('acknowledges what it applied (RFC 8936 §2.4): the stream’s ledger shows it delivered, none pending', async () => {
      const { token } = await signIn();
      expect((await apiLogout(token)).status).toBe(200);
      expect(await untilRefused(verifier, token)).toEqual(revoked);
      const streamId = verifier.status().streamId;
      const ledger = async () =>
        (await server.store.ssf.stats(server.pool.id, app.id)).find((s) => s.streamId === streamId);
      const deadline = Date.now() + REFUSAL_BOUND_MS;
      while ((await ledger())?.pending !== 0 && Date.now() < deadline) await pause(5);
      expect(await ledger()).toMatchObject({ pending: 0, failed: 0, delivered: expect.any(Number) });
      expect((await ledger())!.delivered).toBeGreaterThan(0);
    });

    it('personal center logout (POST /u/logout with its CSRF token)', async () => {
      const { token, cookie } = await signIn();
      expect((await verifier.verify(token)).ok).toBe(true);
      const browser = pageClient(server);
      browser.setCookie('signoff_session', cookie.split('=')[1]!);
      const out = await browser.submit('/u', '/u/logout', {});
      expect(out.statusCode).toBe(303);
      expect(await untilRefused(verifier, token)).toEqual(revoked);
    });

    it('hosted-page logout (GET /login/profile/logout with the session cookie)', async () => {
      const { token, cookie } = await signIn();
      expect((await verifier.verify(token)).ok).toBe(true);
      const out = await fetch(`${server.url}/login/profile/logout`, { headers: { cookie } });
      expect(out.status).toBe(200);
      expect(await untilRefused(verifier, token)).toEqual(revoked);
    });

    it('OIDC end session with id_token_hint: the OIDC token and the REST token of that session', async () => {
      const { config, jar, tokens, restToken } = await oidcSignIn();
      expect((await verifier.verify(tokens.access_token)).ok).toBe(true);
      const end = oidc.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: SIGNED_OUT,
      });
      expect((await jar.follow(end.href, server.url)).url).toBe(SIGNED_OUT);
      expect(await untilRefused(verifier, tokens.access_token)).toEqual(revoked);
      expect(await verifier.verify(restToken)).toEqual(revoked);
    });

    it('the admin API ends the session (DELETE /api/v2/sessions/:sid)', async () => {
      const { token } = await signIn();
      expect((await verifier.verify(token)).ok).toBe(true);
      const res = await fetch(`${server.url}/api/v2/sessions/${sidOf(token)}`, {
        method: 'DELETE',
        headers: await server.adminHeaders(),
      });
      expect(res.status).toBe(200);
      expect(await untilRefused(verifier, token)).toEqual(revoked);
    });

    it('an admin kick from this app (a user-level event): every session refused; signing in again later passes', async () => {
      const first = await signIn();
      const second = await signIn();
      const res = await fetch(`${server.url}/api/v2/applications/${app.id}/kick-active-users`, {
        method: 'POST',
        headers: { ...(await server.adminHeaders()), 'content-type': 'application/json' },
        body: JSON.stringify({ userIds: [user.id] }),
      });
      expect(res.status).toBe(200);
      expect(await untilRefused(verifier, first.token)).toEqual(revoked);
      expect(await verifier.verify(second.token)).toEqual(revoked);

      // One second on, the user signs in again in the same Signoff session: a later iat.
      clock.advance(1000);
      const again = await signIn(app.id, first.cookie);
      expect(sidOf(again.token)).toBe(sidOf(first.token));
      expect(await verifier.verify(again.token)).toMatchObject({ ok: true, claims: { sub: user.id } });
    });

    it('a kick from another app leaves this app’s token valid', async () => {
      const mine = await signIn();
      // The same Signoff session signed in to the other app too.
      await signIn(other.id, mine.cookie);
      const res = await fetch(`${server.url}/api/v2/applications/${other.id}/kick-active-users`, {
        method: 'POST',
        headers: { ...(await server.adminHeaders()), 'content-type': 'application/json' },
        body: JSON.stringify({ userIds: [user.id] }),
      });
      expect(res.status).toBe(200);
      // A later logout of this app, refused once its SET is in: everything queued before it is too.
      const marker = await signIn();
      expect((await apiLogout(marker.token)).status).toBe(200);
      expect(await untilRefused(verifier, marker.token)).toEqual(revoked);
      expect(await verifier.verify(mine.token)).toMatchObject({
        ok: true,
        claims: { sid: sidOf(mine.token) },
      });
    });
  });

  it('a restarted verifier refuses a token revoked while it was closed', async () => {
    const before = await start({ streamDescription: 'restart-test' });
    const { token } = await signIn();
    expect((await before.verify(token)).ok).toBe(true);
    const streamId = before.status().streamId;
    await before.close();
    expect(await before.verify(token)).toEqual({ ok: false, reason: 'closed' });

    expect((await apiLogout(token)).status).toBe(200);

    // The same stream again, refusing at once: the start-up load, not a later poll.
    const after = await start({ streamDescription: 'restart-test' });
    expect(after.status().streamId).toBe(streamId);
    expect(await after.verify(token)).toEqual(revoked);
    // A verifier whose stream never carried that logout knows it from the start-up load alone.
    const fresh = await start({ streamDescription: 'restart-test-new-stream' });
    expect(fresh.status().streamId).not.toBe(streamId);
    expect(await fresh.verify(token)).toEqual(revoked);
  });

  it('a key rotation needs no restart: new tokens and the SETs signed with the new key verify', async () => {
    const rotating = await start();
    const old = await signIn();
    const doomed = await signIn();
    expect((await rotating.verify(old.token)).ok).toBe(true);

    const rotated = await server.services.pools.rotateKey(server.pool.id);
    const fresh = await signIn();
    expect(jose.decodeProtectedHeader(fresh.token).kid).toBe(rotated.kid);
    expect(await rotating.verify(fresh.token)).toMatchObject({ ok: true, claims: { sub: user.id } });
    // Tokens of the retired key live out their lifetime.
    expect((await rotating.verify(old.token)).ok).toBe(true);
    // The SET of this logout is signed with the new key.
    expect((await apiLogout(doomed.token)).status).toBe(200);
    expect(await untilRefused(rotating, doomed.token)).toEqual(revoked);
  });

  describe('when the feed is down', () => {
    /** The verifier's network: cut() fails requests in flight and every new one until restore(). */
    function network() {
      let cut = false;
      const open = new Set<AbortController>();
      const sent: { url: string; signal: AbortSignal }[] = [];
      const through: FetchLike = async (url, init) => {
        if (cut) throw new TypeError('fetch failed: the network is cut');
        const line = new AbortController();
        open.add(line);
        const signal = init.signal ? AbortSignal.any([init.signal, line.signal]) : line.signal;
        sent.push({ url, signal: init.signal ?? signal });
        try {
          return await fetch(url, { ...init, signal });
        } finally {
          open.delete(line);
        }
      };
      return {
        fetch: through,
        sent,
        cut() {
          cut = true;
          for (const line of open) line.abort(new TypeError('the network is cut'));
        },
        restore() {
          cut = false;
        },
      };
    }

    it('after maxStaleness: refuses as stale (or accepts, if told to); recovers by itself and reloads what it missed', async () => {
      const net = network();
      const strict = await start({ fetch: net.fetch, maxStaleness: 0.2 });
      const lenient = await start({ fetch: net.fetch, maxStaleness: 0.2, onStale: 'accept' });
      const kept = await signIn();
      const loggedOutMeanwhile = await signIn();
      expect((await strict.verify(kept.token)).ok).toBe(true);
      const lostStream = strict.status().streamId;

      net.cut();
      try {
        const deadline = Date.now() + REFUSAL_BOUND_MS;
        const stale = () => strict.status().state === 'stale' && lenient.status().state === 'stale';
        while (!stale() && Date.now() < deadline) await pause(10);
        expect(strict.status()).toMatchObject({ state: 'stale', lastError: expect.stringContaining('cut') });
        expect(await strict.verify(kept.token)).toEqual({ ok: false, reason: 'stale' });
        expect(await lenient.verify(kept.token)).toMatchObject({
          ok: true,
          stale: true,
          claims: { sub: user.id },
        });
        // A token that does not verify is refused for what it is, stale or not.
        expect(await strict.verify('not a token')).toEqual({ ok: false, reason: 'malformed' });

        // While it is down, its stream is deleted (an operator's mistake) and then a session
        // ends: no SET of that end will ever reach it. It learns of it all the same when Signoff
        // answers again, from the start-up list it loads again then.
        const config = await discover(issuer, app, 'client_secret_basic');
        const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'ssf' });
        const deleted = await fetch(`${issuer}/ssf/stream?stream_id=${lostStream}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${access_token}` },
        });
        expect(deleted.status).toBe(204);
        expect((await apiLogout(loggedOutMeanwhile.token)).status).toBe(200);
      } finally {
        net.restore();
      }
      const recovered = Date.now() + 3 * REFUSAL_BOUND_MS;
      while (strict.status().state !== 'live' && Date.now() < recovered) await pause(10);
      expect(strict.status().state).toBe('live');
      // A stream of its own again, made when it found its old one gone.
      expect(strict.status().streamId).not.toBe(lostStream);
      expect(await strict.verify(kept.token)).toMatchObject({ ok: true, claims: { sid: sidOf(kept.token) } });
      expect(await strict.verify(loggedOutMeanwhile.token)).toEqual(revoked);
      // The lenient one's stream was kept: its SET is delivered after the outage.
      expect(await untilRefused(lenient, loggedOutMeanwhile.token)).toEqual(revoked);
    });

    it('close() ends the loop at once: the long poll in flight is aborted and nothing is sent after', async () => {
      const net = network();
      const closing = await start({ fetch: net.fetch });
      // Wait for the long poll to be the request in flight.
      const deadline = Date.now() + REFUSAL_BOUND_MS;
      while (!net.sent.at(-1)?.url.includes('/ssf/poll/') && Date.now() < deadline) await pause(5);
      const poll = net.sent.at(-1)!;
      expect(poll.url).toContain('/ssf/poll/');
      expect(poll.signal.aborted).toBe(false);

      await closing.close();
      expect(poll.signal.aborted).toBe(true);
      const count = net.sent.length;
      // A logout would answer a long poll still waiting; none is, and none starts.
      const { token } = await signIn();
      expect((await apiLogout(token)).status).toBe(200);
      expect(await untilRefused(verifier, token)).toEqual(revoked);
      expect(net.sent.length).toBe(count);
      expect(closing.status().state).toBe('closed');
      expect(await closing.verify(token)).toEqual({ ok: false, reason: 'closed' });
    });
  });

  describe('middlewares', () => {
    async function revokedToken() {
      const { token } = await signIn();
      expect((await apiLogout(token)).status).toBe(200);
      expect(await untilRefused(verifier, token)).toEqual(revoked);
      return token;
    }

    it('node:http: 200 with the claims on req.auth; 401 with a Bearer challenge without a token or with a revoked one', async () => {
      const auth = createTokenMiddleware(verifier);
      const api = http.createServer((req, res) =>
        auth(req, res, () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ user: (req as AuthenticatedRequest).auth!.sub }));
        }),
      );
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/orders`;
      try {
        const { token } = await signIn();
        const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        expect(ok.status).toBe(200);
        expect(await ok.json()).toEqual({ user: user.id });

        const missing = await fetch(url);
        expect(missing.status).toBe(401);
        expect(missing.headers.get('www-authenticate')).toBe('Bearer');

        const refused = await fetch(url, { headers: { authorization: `Bearer ${await revokedToken()}` } });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe(
          'Bearer error="invalid_token", error_description="revoked"',
        );
        expect(await refused.json()).toEqual({ error: 'invalid_token', error_description: 'revoked' });
      } finally {
        await new Promise((resolve) => api.close(resolve));
      }
    });

    it('Fastify: an onRequest hook; 200 with request.auth, 401 with the challenge and the route not run', async () => {
      const api = Fastify();
      api.decorateRequest('auth', undefined);
      let routeRan = 0;
      api.addHook('onRequest', createFastifyTokenHook(verifier));
      api.get('/orders', async (request) => {
        routeRan++;
        return { user: (request as AuthenticatedRequest).auth!.sub };
      });
      try {
        const { token } = await signIn();
        const ok = await api.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } });
        expect(ok.statusCode).toBe(200);
        expect(ok.json()).toEqual({ user: user.id });

        const refused = await api.inject({
          url: '/orders',
          headers: { authorization: `Bearer ${await revokedToken()}` },
        });
        expect(refused.statusCode).toBe(401);
        expect(refused.headers['www-authenticate']).toBe(
          'Bearer error="invalid_token", error_description="revoked"',
        );
        const missing = await api.inject({ url: '/orders' });
        expect(missing.statusCode).toBe(401);
        expect(missing.headers['www-authenticate']).toBe('Bearer');
        expect(routeRan).toBe(1);
      } finally {
        await api.close();
      }
    });
  });
});
