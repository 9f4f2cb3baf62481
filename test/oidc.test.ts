// OpenID Connect with a relying party nobody here wrote (openid-client), for each kind of app
// (public with PKCE, confidential with client_secret_basic, confidential with
// client_secret_post): discovery, code + PKCE, single sign-on into a second app, refresh,
// userinfo, introspection, revocation, RP-initiated logout with state, and afterwards every
// token of that session refused.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from './helpers/browserless.ts';
import { authMethodOf, CLIENT_KINDS, discover } from './helpers/oidc-clients.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

const CALLBACK = 'https://app-one.example/callback';
const CALLBACK_TWO = 'https://app-two.example/callback';
const SIGNED_OUT = 'https://app-one.example/signed-out';

describe.each(CLIENT_KINDS)('OpenID Connect provider under /oidc (%s apps)', (kind) => {
  let server: TestServer;
  let issuer: string;
  let user: { id: string; username: string; password: string };
  let appOne: string;
  let appTwo: string;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    issuer = `${server.url}/oidc`;
    const created = await createAppAndUser(server, {
      name: 'App one',
      redirectUris: [CALLBACK],
      backchannelLogoutUri: 'https://app-one.example/backchannel',
      logoutRedirectUris: [SIGNED_OUT],
      tokenEndpointAuthMethod: authMethodOf(kind),
    });
    appOne = created.app.id;
    secrets.set(appOne, created.app.secret);
    user = created.user;
    const headers = await server.adminHeaders();
    const two = await server.app.inject({
      method: 'POST',
      url: '/api/v2/applications',
      headers,
      payload: {
        name: 'App two',
        redirectUris: [CALLBACK_TWO],
        backchannelLogoutUri: 'https://app-two.example/bc',
        tokenEndpointAuthMethod: authMethodOf(kind),
      },
    });
    appTwo = two.json().data.id;
    secrets.set(appTwo, two.json().data.secret);
  });
  afterAll(() => server.close());

  const configFor = (clientId: string) =>
    discover(issuer, { id: clientId, secret: secrets.get(clientId)! }, kind);

  /** Runs the code flow in the jar's "browser"; returns the tokens the RP gets. */
  async function codeFlow(
    jar: CookieJar,
    config: oidc.Configuration,
    redirectUri: string,
    extra: Record<string, string> = {},
  ) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    const landed = await jar.follow(url.href, server.url);
    return {
      landed,
      tokens: () =>
        oidc.authorizationCodeGrant(config, new URL(landed.url), {
          pkceCodeVerifier: verifier,
          expectedState: state,
        }),
    };
  }

  it('publishes discovery with end session, revocation, introspection and back-channel logout', async () => {
    const config = await configFor(appOne);
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.end_session_endpoint).toBe(`${issuer}/session/end`);
    expect(meta.revocation_endpoint).toBeDefined();
    expect(meta.introspection_endpoint).toBeDefined();
    expect(meta.code_challenge_methods_supported).toContain('S256');
    expect(meta.backchannel_logout_supported).toBe(true);
    const jwks = await (await fetch(meta.jwks_uri!)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(
      server.services.keys.signingKey(server.pool.id)!.kid,
    );
  });

  it('without a Signoff session the authorization request lands on the hosted login page', async () => {
    const jar = new CookieJar();
    const { landed } = await codeFlow(jar, await configFor(appOne), CALLBACK);
    expect(landed.url).toMatch(new RegExp(`^${server.url}/login\\?return_to=%2Foidc%2Finteraction%2F`));
  });

  it('code + PKCE, SSO into a second app, refresh, userinfo, introspection; end session kills it all', async () => {
    // The browser signs in once (the SSO cookie); both apps then get codes without a password.
    const jar = new CookieJar();
    const signedIn = await login(server, appOne, user.username, user.password);
    jar.cookies.set('signoff_session', signedIn.cookie.split('=')[1]!);
    const apiToken = signedIn.token;

    const one = await configFor(appOne);
    const flow = await codeFlow(jar, one, CALLBACK);
    expect(flow.landed.url.startsWith(`${CALLBACK}?`)).toBe(true);
    const tokens = await flow.tokens();
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.id);
    expect(claims.aud).toBe(appOne);
    // The ID token's sid is the Signoff session id, the one back-channel logout tokens carry.
    const sessions = (
      await server.app.inject({
        method: 'GET',
        url: `/api/v2/users/${user.id}/sessions`,
        headers: await server.adminHeaders(),
      })
    ).json().data;
    expect(sessions.map((s: { sid: string }) => s.sid)).toContain(claims.sid);
    const current = sessions.find((s: { sid: string }) => s.sid === claims.sid);
    expect(current.apps.map((a: { appId: string }) => a.appId)).toContain(appOne);
    expect(tokens.refresh_token).toBeDefined();

    const two = await configFor(appTwo);
    const second = await codeFlow(jar, two, CALLBACK_TWO);
    expect(second.landed.url.startsWith(`${CALLBACK_TWO}?`)).toBe(true);
    const tokensTwo = await second.tokens();
    expect(tokensTwo.claims()!.sid).toBe(claims.sid);

    const info = await oidc.fetchUserInfo(one, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: expect.stringContaining('@example.com') });
    expect(await oidc.tokenIntrospection(one, tokens.access_token)).toMatchObject({
      active: true,
      sub: user.id,
    });
    const refreshed = await oidc.refreshTokenGrant(one, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token); // rotation
    await expect(oidc.refreshTokenGrant(one, tokens.refresh_token!)).rejects.toThrow();

    // RP-initiated logout: an ID token hint, a registered post-logout URI, state echoed.
    const end = oidc.buildEndSessionUrl(one, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'bye-123',
    });
    const out = await jar.follow(end.href, server.url);
    expect(out.response.status).toBe(303);
    expect(out.url).toBe(`${SIGNED_OUT}?state=bye-123`);
    expect(jar.cookies.has('signoff_session')).toBe(false);

    // Every token of that session, in both apps, is refused from now on.
    for (const [config, access] of [
      [one, refreshed.access_token],
      [two, tokensTwo.access_token],
    ] as const) {
      expect((await oidc.tokenIntrospection(config, access)).active).toBe(false);
      await expect(oidc.fetchUserInfo(config, access, user.id)).rejects.toThrow();
    }
    await expect(oidc.refreshTokenGrant(one, refreshed.refresh_token!)).rejects.toThrow();
    await expect(oidc.refreshTokenGrant(two, tokensTwo.refresh_token!)).rejects.toThrow();
    expect((await getMe(server, apiToken)).statusCode).toBe(401);

    // And signing in again asks for the password: the next request lands on the login page.
    const again = await codeFlow(jar, one, CALLBACK);
    expect(again.landed.url.startsWith(`${server.url}/login?`)).toBe(true);

    const audit = await server.store.audit.listSessionEnds(server.pool.id, 0, 1);
    expect(audit.list[0]).toMatchObject({ reason: 'app_logout', actor: { type: 'app', id: appOne } });
  });

  it('revocation (RFC 7009) makes a token inactive', async () => {
    const jar = new CookieJar();
    const signedIn = await login(server, appOne, user.username, user.password);
    jar.cookies.set('signoff_session', signedIn.cookie.split('=')[1]!);
    const one = await configFor(appOne);
    const tokens = await (await codeFlow(jar, one, CALLBACK)).tokens();
    await oidc.tokenRevocation(one, tokens.access_token);
    expect((await oidc.tokenIntrospection(one, tokens.access_token)).active).toBe(false);
  });

  it('never follows an unregistered post_logout_redirect_uri, and asks before logging out without a hint', async () => {
    // With a hint: logged out at once, the address not followed.
    {
      const jar = new CookieJar();
      const signedIn = await login(server, appOne, user.username, user.password);
      jar.cookies.set('signoff_session', signedIn.cookie.split('=')[1]!);
      const one = await configFor(appOne);
      const tokens = await (await codeFlow(jar, one, CALLBACK)).tokens();
      const res = await fetch(
        oidc.buildEndSessionUrl(one, {
          id_token_hint: tokens.id_token!,
          post_logout_redirect_uri: 'https://evil.example/',
        }),
        { redirect: 'manual', headers: { cookie: jar.header() } },
      );
      const body = await res.text();
      expect(res.status, body).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(body).toContain('not registered');
      expect((await getMe(server, signedIn.token)).statusCode).toBe(401);
      expect((await oidc.tokenIntrospection(one, tokens.access_token)).active).toBe(false);
    }
    const jar = new CookieJar();
    const signedIn = await login(server, appOne, user.username, user.password);
    jar.cookies.set('signoff_session', signedIn.cookie.split('=')[1]!);
    for (const uri of [
      'https://evil.example/',
      `${SIGNED_OUT}/`,
      'https://APP-ONE.example/signed-out',
      '//evil.example',
    ]) {
      const res = await fetch(
        `${issuer}/session/end?client_id=${appOne}&post_logout_redirect_uri=${encodeURIComponent(uri)}`,
        {
          redirect: 'manual',
          headers: { cookie: jar.header() },
        },
      );
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).not.toContain(`value="${uri}"`);
    }
    // Without a hint nothing ends before the user confirms.
    expect((await getMe(server, signedIn.token)).statusCode).toBe(200);

    const ask = await fetch(`${issuer}/session/end?client_id=${appOne}`, {
      headers: { cookie: jar.header() },
    });
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(html).toContain('Sign out');
    const token = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    jar.store(ask);
    const forged = await fetch(`${issuer}/session/end/confirm`, {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: appOne, csrf: 'forged' }),
    });
    expect(forged.status).toBe(403);
    expect((await getMe(server, signedIn.token)).statusCode).toBe(200);
    const confirmed = await fetch(`${issuer}/session/end/confirm`, {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: appOne, csrf: token }),
    });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Sign in again');
    expect((await getMe(server, signedIn.token)).statusCode).toBe(401);
  });
});
