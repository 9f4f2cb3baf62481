// Issue 10, finding 1: a revocation holds until every token that could carry it has expired,
// whatever the token lifetime is configured to later. Signed in with the default lifetime
// (3600 s), logged out, restarted with SIGNOFF_ACCESS_TOKEN_TTL=30, 31 s later: the logged-out
// token is still refused — an API one and an OIDC one.
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../src/domain/clock.ts';
import { CookieJar } from './helpers/browserless.ts';
import { discover } from './helpers/oidc-clients.ts';
import { createAppAndUser, getMe, login, startTestServer } from './helpers/server.ts';

const CALLBACK = 'https://app.example/cb';

describe('a revocation outlives a lowered token lifetime', () => {
  it('holds across a restart with a shorter SIGNOFF_ACCESS_TOKEN_TTL, for API and OIDC tokens', async () => {
    const clock = createManualClock(Date.now());
    const first = await startTestServer({ listen: true, clock, settings: { accessTokenTTL: 3600 } });
    const { app, user } = await createAppAndUser(first, { redirectUris: [CALLBACK] });
    const api = await login(first, app.id, user.username, user.password);

    // An OIDC access token of another session of the same user.
    const config = await discover(`${first.url}/oidc`, app, 'client_secret_post');
    const jar = new CookieJar();
    const browser = await login(first, app.id, user.username, user.password);
    jar.cookies.set('signoff_session', browser.cookie.split('=')[1]!);
    const verifier = oidc.randomPKCECodeVerifier();
    const landed = await jar.follow(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).href,
      first.url,
    );
    const tokens = await oidc.authorizationCodeGrant(config, new URL(landed.url), {
      pkceCodeVerifier: verifier,
      expectedState: oidc.skipStateCheck,
    });
    expect((await getMe(first, tokens.access_token)).statusCode).toBe(200);

    // Both sessions end: the user logs out everywhere.
    const out = await first.app.inject({
      method: 'POST',
      url: '/api/v2/logout?scope=global',
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(out.statusCode).toBe(200);
    const location = first.location;
    await first.close({ keepData: true });

    clock.advance(31_000);
    // The same public URL (the same issuer), not listening: only the lifetime changed.
    const second = await startTestServer({
      clock,
      reuse: location,
      settings: { accessTokenTTL: 30, publicUrl: first.url },
    });
    try {
      // Refused as revoked, not for anything else.
      expect(second.services.tokens.verifyAccessToken(api.token)).toEqual({ ok: false, reason: 'revoked' });
      expect(second.services.tokens.verifyAccessToken(tokens.access_token)).toEqual({
        ok: false,
        reason: 'revoked',
      });
      expect((await getMe(second, api.token)).statusCode).toBe(401);
      expect((await getMe(second, tokens.access_token)).statusCode).toBe(401);
      // And still after the store poll and the index's sweep.
      await second.services.revocationSync.poll();
      expect((await getMe(second, api.token)).statusCode).toBe(401);
      expect((await getMe(second, tokens.access_token)).statusCode).toBe(401);
    } finally {
      await second.close();
    }
  });
});
