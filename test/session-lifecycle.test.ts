// Time-driven behaviour with a manual clock: expiry through the session core, the
// revocation index forgetting what no token can carry any more, key rotation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import {
  createAppAndUser,
  login,
  startTestServer,
  TEST_SETTINGS,
  type TestServer,
} from './helpers/server.ts';

describe('session lifecycle on a manual clock', () => {
  const clock = createManualClock(Date.now());
  let server: TestServer;
  let app: { id: string };
  let user: { id: string; username: string; password: string };

  beforeAll(async () => {
    server = await startTestServer({ clock });
    ({ app, user } = await createAppAndUser(server));
  });
  afterAll(() => server.close());

  const me = (token: string, cookie?: string) =>
    server.app.inject({
      method: 'GET',
      url: '/api/v2/users/me',
      headers: token ? { authorization: `Bearer ${token}` } : { cookie: cookie! },
    });

  it('an idle session is ended by the sweeper through the session core, with reason expired', async () => {
    const { token, cookie } = await login(server, app.id, user.username, user.password);
    clock.advance(30 * 60_000);
    expect((await me(token)).statusCode).toBe(200);
    clock.advance(TEST_SETTINGS.sessionIdleTTL * 1000);
    // The cookie is dead as soon as the idle expiry passes, sweeper or not.
    expect((await me('', cookie)).statusCode).toBe(401);
    const ended = await server.services.sessions.endExpired();
    expect(ended).toBeGreaterThanOrEqual(1);
    const audit = await server.store.audit.listSessionEnds(server.pool.id, 0, 10);
    expect(audit.list[0]).toMatchObject({ reason: 'expired', actor: { type: 'system', id: null } });
  });

  it('a token never outlives its session: exp is capped by the absolute expiry', async () => {
    const shortLived = await startTestServer({
      clock,
      settings: { sessionAbsoluteTTL: 600, sessionIdleTTL: 600, accessTokenTTL: 3600 },
    });
    try {
      const { app: a, user: u } = await createAppAndUser(shortLived);
      const { body } = await login(shortLived, a.id, u.username, u.password);
      const expiresAt = Date.parse(body.data.expiresAt);
      expect(expiresAt - clock.now()).toBeLessThanOrEqual(600_000);
    } finally {
      await shortLived.close();
    }
  });

  it('the revocation index forgets an id once every token that could carry it has expired', async () => {
    const { token } = await login(server, app.id, user.username, user.password);
    const checked = server.services.tokens.verifyAccessToken(token);
    if (!checked.ok) throw new Error(checked.reason);
    const { sessionId, exp } = checked.claims;
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    // Held until the token's own expiry, a second before it still there…
    clock.advance(exp * 1000 - clock.now() - 1000);
    server.services.index.sweep(clock.now());
    expect(server.services.index.has(sessionId)).toBe(true);
    expect((await me(token)).statusCode).toBe(401);
    // …and forgotten after it: yet still refused, the token itself has expired.
    clock.advance(2000);
    server.services.index.sweep(clock.now());
    expect(server.services.index.has(sessionId)).toBe(false);
    expect((await me(token)).statusCode).toBe(401);
  });

  it('rotating keys: new tokens carry the new kid, earlier tokens still verify', async () => {
    const before = await login(server, app.id, user.username, user.password);
    const rotated = await server.services.pools.rotateKey(server.pool.id);
    expect(rotated.retired).not.toBeNull();
    const after = await login(server, app.id, user.username, user.password);
    const kid = (t: string) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()).kid;
    expect(kid(after.token)).toBe(rotated.kid);
    expect(kid(before.token)).toBe(rotated.retired);
    expect((await me(before.token)).statusCode).toBe(200);
    expect((await me(after.token)).statusCode).toBe(200);
    const jwks = (await server.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(
      expect.arrayContaining([rotated.kid, rotated.retired]),
    );
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|"p"|"q"/);
  });
});
