// OIDC access tokens are RFC 9068 JWTs that apps verify themselves, that Signoff's own API
// accepts and refuses after logout, and client credentials for confidential apps (issue 8,
// parts 2–3), against a listening server with openid-client, jose and Signoff's SDK.
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationClient } from '../sdk/src/index.ts';
import { CookieJar } from './helpers/browserless.ts';
import { discover, oauthError } from './helpers/oidc-clients.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

const CALLBACK = 'https://web.example/callback';

describe('OIDC access tokens and client credentials', () => {
  let server: TestServer;
  let issuer: string;
  let jwks: ReturnType<typeof jose.createRemoteJWKSet>;
  let web: { id: string; secret: string };
  let spa: { id: string; secret: string };
  let user: { id: string; username: string; password: string };

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    issuer = `${server.url}/oidc`;
    jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
    const created = await createAppAndUser(server, { name: 'Web app', redirectUris: [CALLBACK] });
    web = created.app;
    user = created.user;
    spa = (
      await createAppAndUser(server, {
        name: 'SPA',
        redirectUris: [CALLBACK],
        tokenEndpointAuthMethod: 'none',
      })
    ).app;
  });
  afterAll(() => server.close());

  /** A code flow in a cookie-jar "browser" already signed in; where it lands, and its tokens. */
  async function authorize(config: oidc.Configuration, scope = 'openid email profile') {
    const jar = new CookieJar();
    const signedIn = await login(server, web.id, user.username, user.password);
    jar.cookies.set('signoff_session', signedIn.cookie.split('=')[1]!);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const landed = new URL((await jar.follow(url.href, server.url)).url);
    return { landed, restToken: signedIn.token, verifier };
  }

  async function signIn(config: oidc.Configuration) {
    const { landed, restToken, verifier } = await authorize(config);
    const tokens = await oidc.authorizationCodeGrant(config, landed, {
      pkceCodeVerifier: verifier,
      expectedState: oidc.skipStateCheck,
    });
    return { tokens, restToken };
  }

  it('is an at+jwt an API verifies with jose and the JWKS, with the claims of RFC 9068 and the ID token’s sid', async () => {
    const config = await discover(issuer, web, 'client_secret_post');
    const { tokens, restToken } = await signIn(config);
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.access_token, jwks, {
      issuer,
      audience: web.id,
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      iss: issuer,
      sub: user.id,
      aud: web.id,
      client_id: web.id,
      sid: tokens.claims()!.sid,
      scope: 'openid email profile',
    });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(tokens.expires_in).toBeGreaterThan(3590);
    // The REST sign-in's token: the same JWKS, the same rules, the same claims but scope.
    const rest = await jose.jwtVerify(restToken, jwks, { issuer, typ: 'at+jwt' });
    expect(Object.keys(rest.payload).sort()).toEqual(
      Object.keys(payload)
        .filter((k) => k !== 'scope')
        .sort(),
    );
  });

  it('works at userinfo and introspection and with the SDK, and is refused everywhere right after a logout', async () => {
    const config = await discover(issuer, web, 'client_secret_basic');
    const { tokens } = await signIn(config);
    const access = tokens.access_token;
    expect(await oidc.fetchUserInfo(config, access, user.id)).toMatchObject({ sub: user.id });
    expect(await oidc.tokenIntrospection(config, access)).toMatchObject({ active: true, sub: user.id });
    expect((await getMe(server, access)).json().data.id).toBe(user.id);

    // An app that signed in through OIDC uses the SDK's session list and logout with its token.
    const sdk = new AuthenticationClient({ host: server.url, appId: web.id, token: access, storage: null });
    const sessions = await sdk.listSessions();
    const current = sessions.find((s) => s.current)!;
    expect(current.sid).toBe(tokens.claims()!.sid);
    expect(current.apps.map((a) => a.appId)).toContain(web.id);
    await sdk.logout();

    expect((await getMe(server, access)).statusCode).toBe(401);
    await expect(oidc.fetchUserInfo(config, access, user.id)).rejects.toThrow();
    expect((await oidc.tokenIntrospection(config, access)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? 'none')).rejects.toThrow();
  });

  it('its bare handle (the jti) opens nothing', async () => {
    const config = await discover(issuer, web, 'client_secret_post');
    const { tokens } = await signIn(config);
    const { jti } = jose.decodeJwt(tokens.access_token);
    await expect(oidc.fetchUserInfo(config, jti!, user.id)).rejects.toThrow();
    expect((await oidc.tokenIntrospection(config, jti!)).active).toBe(false);
    expect((await getMe(server, jti!)).statusCode).toBe(401);
    // …while the token itself still works.
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
  });

  it('an app introspects only its own tokens', async () => {
    const { tokens } = await signIn(await discover(issuer, web, 'client_secret_post'));
    const other = await createAppAndUser(server, { name: 'Other', redirectUris: [CALLBACK] });
    const otherConfig = await discover(issuer, other.app, 'client_secret_post');
    expect((await oidc.tokenIntrospection(otherConfig, tokens.access_token)).active).toBe(false);
  });

  it('client credentials: a confidential app gets a token of its own with its secret, either way', async () => {
    for (const kind of ['client_secret_basic', 'client_secret_post'] as const) {
      const config = await discover(issuer, web, kind);
      const granted = await oidc.clientCredentialsGrant(config, { scope: 'ssf' });
      const { payload } = await jose.jwtVerify(granted.access_token, jwks, { issuer, typ: 'at+jwt' });
      expect(payload).toMatchObject({ sub: web.id, client_id: web.id, aud: web.id, scope: 'ssf' });
      expect(payload).not.toHaveProperty('sid');
      expect(await oidc.tokenIntrospection(config, granted.access_token)).toMatchObject({
        active: true,
        client_id: web.id,
      });
      // No user behind it: Signoff's end-user API refuses it.
      expect((await getMe(server, granted.access_token)).statusCode).toBe(401);
      await oidc.tokenRevocation(config, granted.access_token);
      expect((await oidc.tokenIntrospection(config, granted.access_token)).active).toBe(false);
    }
  });

  it('client credentials: a wrong secret is invalid_client; a public app has none; unknown scopes are not granted', async () => {
    for (const kind of ['client_secret_basic', 'client_secret_post'] as const) {
      const wrong = await discover(issuer, { id: web.id, secret: `${web.secret}x` }, kind);
      expect(await oauthError(oidc.clientCredentialsGrant(wrong))).toBe('invalid_client');
    }
    const publicApp = await discover(issuer, spa, 'public');
    // oidc-provider answers invalid_request ("requested grant type is not allowed for this client").
    expect(await oauthError(oidc.clientCredentialsGrant(publicApp))).toBe('invalid_request');
    // A scope that is not the app's to ask for is not granted (RFC 6749 §3.3).
    const unasked = await oidc.clientCredentialsGrant(await discover(issuer, web, 'client_secret_post'), {
      scope: 'admin',
    });
    expect(unasked.scope).toBeUndefined();
    expect(jose.decodeJwt(unasked.access_token)).not.toHaveProperty('scope');
  });

  it('a user’s sign-in never grants a machine scope: the app is told invalid_scope', async () => {
    const { landed } = await authorize(await discover(issuer, web, 'client_secret_post'), 'openid ssf');
    expect(`${landed.origin}${landed.pathname}`).toBe(CALLBACK);
    expect(landed.searchParams.get('error')).toBe('invalid_scope');
    expect(landed.searchParams.has('code')).toBe(false);
  });
});
