// One OIDC issuer per pool, discovery that tells the truth, and no way around Signoff's end
// session (issue 8, parts 4–6), against a listening server with openid-client and plain fetch.
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from './helpers/browserless.ts';
import { discover, oauthError } from './helpers/oidc-clients.ts';
import { accepted, createAppAndUser, getMe, startTestServer, type TestServer } from './helpers/server.ts';

const CALLBACK = 'https://rp.example/callback';

describe('OIDC issuers', () => {
  let server: TestServer;
  let issuerA: string;
  let appA: { id: string; secret: string };
  let userA: { id: string; username: string; password: string };
  // Pool B: another tenant on the same server.
  let poolB: string;
  let issuerB: string;
  let appB: { id: string; secret: string };
  const userB = { username: 'bea', password: 'pool b password 1' };

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    issuerA = `${server.url}/oidc`;
    const created = await createAppAndUser(server, {
      name: 'A app',
      redirectUris: [CALLBACK],
      logoutRedirectUris: ['https://rp.example/bye'],
    });
    appA = created.app;
    userA = created.user;

    const pool = await server.services.pools.create({ name: 'Pool B' });
    if (!pool.ok) throw new Error('pool B');
    poolB = pool.pool.id;
    issuerB = `${server.url}/oidc/pools/${poolB}`;
    const b = accepted(await server.services.apps.create(poolB, { name: 'B app', redirectUris: [CALLBACK] }));
    appB = { id: b.app.id, secret: b.secret };
    const user = await server.services.users.create(poolB, userB);
    if (!user.ok) throw new Error('user B');
  });
  afterAll(() => server.close());

  /** A code flow in a cookie jar "browser" that holds `cookie`; the tokens it ends with. */
  async function codeFlow(config: oidc.Configuration, jar: CookieJar, scope = 'openid email offline_access') {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope,
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const landed = await jar.follow(url.href, server.url);
    return {
      landed,
      tokens: () =>
        oidc.authorizationCodeGrant(config, new URL(landed.url), {
          pkceCodeVerifier: verifier,
          expectedState: oidc.skipStateCheck,
        }),
    };
  }

  async function signedInJar(poolId: string | null, account: string, password: string) {
    const jar = new CookieJar();
    const page = await jar.follow(`${server.url}/login${poolId ? `?pool=${poolId}` : ''}`, server.url);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.response.text())![1]!;
    const res = await fetch(`${server.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ account, password, csrf, ...(poolId ? { pool: poolId } : {}) }),
    });
    jar.store(res);
    expect(res.status).toBe(303);
    return jar;
  }

  it('discovery says only SIGNOFF_PUBLIC_URL, whatever Host or X-Forwarded-* say', async () => {
    for (const headers of [
      { host: 'evil.example' } as Record<string, string>,
      { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      { forwarded: 'host=evil.example;proto=https' },
    ]) {
      for (const issuer of [issuerA, issuerB]) {
        const res = await fetch(`${issuer}/.well-known/openid-configuration`, { headers });
        const text = await res.text();
        expect(res.status).toBe(200);
        expect(text).not.toContain('evil.example');
        const meta = JSON.parse(text) as Record<string, unknown>;
        expect(meta.issuer).toBe(issuer);
        for (const [key, value] of Object.entries(meta)) {
          if (key.endsWith('_endpoint') || key === 'jwks_uri')
            expect(value, key).toMatch(new RegExp(`^${issuer}/`));
        }
      }
    }
  });

  it('discovery advertises only what an app registered with defaults can use', async () => {
    const meta = (await discover(issuerA, appA, 'client_secret_post')).serverMetadata();
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
    expect(meta.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'none',
    ]);
    expect(meta.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(meta.end_session_endpoint).toBe(`${issuerA}/session/end`);
    expect(meta).not.toHaveProperty('dpop_signing_alg_values_supported');
    expect(meta).not.toHaveProperty('pushed_authorization_request_endpoint');
  });

  it("each pool's issuer has its own keys and clients", async () => {
    const metaB = (await discover(issuerB, appB, 'client_secret_post')).serverMetadata();
    expect(metaB.issuer).toBe(issuerB);
    const kidsOf = async (uri: string) =>
      ((await (await fetch(uri)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const kidsB = await kidsOf(metaB.jwks_uri!);
    const kidsA = await kidsOf(`${issuerA}/jwks`);
    expect(kidsB).toEqual([server.services.keys.signingKey(poolB)!.kid]);
    expect(kidsA).not.toContain(kidsB[0]);
    // A's app is no client of B's issuer, with the right secret or not.
    expect(
      await oauthError(oidc.clientCredentialsGrant(await discover(issuerB, appA, 'client_secret_post'))),
    ).toBe('invalid_client');
    expect(
      await oauthError(oidc.clientCredentialsGrant(await discover(issuerA, appB, 'client_secret_basic'))),
    ).toBe('invalid_client');
    // An issuer for a pool that does not exist, or the default pool under another path, is none.
    expect((await fetch(`${server.url}/oidc/pools/nope/.well-known/openid-configuration`)).status).toBe(404);
    expect(
      (await fetch(`${server.url}/oidc/pools/${server.pool.id}/.well-known/openid-configuration`)).status,
    ).toBe(404);
  });

  it("pool B signs its own users in, and pool A's tokens, codes and cookies get nowhere there", async () => {
    const configA = await discover(issuerA, appA, 'client_secret_basic');
    const configB = await discover(issuerB, appB, 'client_secret_basic');

    // Pool A's browser session is no session at pool B's issuer: the login page, for pool B.
    const jarA = await signedInJar(null, userA.username, userA.password);
    const atB = await codeFlow(configB, jarA);
    expect(atB.landed.url).toMatch(new RegExp(`^${server.url}/login\\?return_to=.*&pool=${poolB}`));

    // Pool A's code, redeemed at pool B's token endpoint by B's app, is no code there.
    const flowA = await codeFlow(configA, jarA);
    const code = new URL(flowA.landed.url).searchParams.get('code')!;
    const redeemed = await fetch(`${issuerB}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${appB.id}:${appB.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }),
    });
    expect(redeemed.status).toBe(400);
    expect(((await redeemed.json()) as { error: string }).error).toBe('invalid_grant');

    // Pool A's tokens, at pool B's userinfo and introspection, are nothing.
    const tokensA = await (await codeFlow(configA, jarA)).tokens();
    await expect(oidc.fetchUserInfo(configB, tokensA.access_token, userA.id)).rejects.toThrow();
    expect((await oidc.tokenIntrospection(configB, tokensA.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(configB, tokensA.refresh_token!)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(configB, tokensA.refresh_token!)).rejects.toThrow();
    // …and they still work at home.
    expect((await oidc.tokenIntrospection(configA, tokensA.access_token)).active).toBe(true);

    // Pool B's own user signs in through B's issuer; B's token says B.
    const jarB = await signedInJar(poolB, userB.username, userB.password);
    const flowB = await codeFlow(configB, jarB);
    expect(flowB.landed.url.startsWith(`${CALLBACK}?`)).toBe(true);
    const tokensB = await flowB.tokens();
    expect(tokensB.claims()!.iss).toBe(issuerB);
    const verified = await jose.jwtVerify(
      tokensB.access_token,
      jose.createRemoteJWKSet(new URL(`${issuerB}/jwks`)),
      {
        issuer: issuerB,
        typ: 'at+jwt',
      },
    );
    expect(verified.payload.aud).toBe(appB.id);
    expect((await getMe(server, tokensB.access_token)).statusCode).toBe(200);
    // Pool B's token is nothing at pool A's issuer, nor verifiable with A's keys.
    await expect(oidc.fetchUserInfo(configA, tokensB.access_token, userA.id)).rejects.toThrow();
    await expect(
      jose.jwtVerify(tokensB.access_token, jose.createRemoteJWKSet(new URL(`${issuerA}/jwks`))),
    ).rejects.toThrow();
    // Its end session logs the pool B user out there.
    const end = oidc.buildEndSessionUrl(configB, { id_token_hint: tokensB.id_token!, state: 'b' });
    expect(end.href.startsWith(`${issuerB}/session/end?`)).toBe(true);
    expect((await jarB.follow(end.href, server.url)).response.status).toBe(200);
    expect((await getMe(server, tokensB.access_token)).statusCode).toBe(401);
  });

  it('only the exact session/end routes end a session; every other spelling is refused and ends nothing', async () => {
    const jar = await signedInJar(null, userA.username, userA.password);
    const config = await discover(issuerA, appA, 'client_secret_post');
    const tokens = await (await codeFlow(config, jar)).tokens();
    const ends = async () => (await server.store.audit.listSessionEnds(server.pool.id, 0, 1)).totalCount;
    const before = await ends();
    for (const path of [
      '/oidc/session/end/',
      '/oidc/SESSION/END',
      '/oidc/Session/End?client_id=x',
      '/oidc/session//end',
      '/oidc/session%2Fend',
      '/oidc/session/end/confirm/',
      '/oidc/SESSION/END/CONFIRM',
      '/oidc/session/end/success',
      `/oidc/pools/${poolB}/session/end/`,
      `/oidc/pools/${poolB}/SESSION/END`,
    ]) {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${server.url}${path}`, {
          method,
          redirect: 'manual',
          headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
          ...(method === 'POST' ? { body: new URLSearchParams({ xsrf: 'x', logout: 'yes' }) } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get('location'), `${method} ${path}`).toBeNull();
      }
    }
    // Nothing ended: the session, SSO, the offline_access refresh token and the audit trail.
    expect(await ends()).toBe(before);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await getMe(server, refreshed.access_token)).statusCode).toBe(200);
    const again = await codeFlow(config, jar);
    expect(again.landed.url.startsWith(`${CALLBACK}?`)).toBe(true);
  });
});
