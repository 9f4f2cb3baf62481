// Kontenbase-shaped routes (CONTRACT §5): bare JSON, errors as {message}.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

describe('Kontenbase-shaped auth routes', () => {
  let server: TestServer;
  let apiKey: string;
  let otherApiKey: string;
  let user: { id: string; email: string; password: string };

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: apiKey },
      user,
    } = await createAppAndUser(server));
    ({
      app: { id: otherApiKey },
    } = await createAppAndUser(server));
  });
  afterAll(() => server.close());

  const base = (key: string) => `/query/api/v1/${key}/auth`;

  it('login → user → logout echoes the revoked token → the token is refused', async () => {
    const loginRes = await server.app.inject({
      method: 'POST',
      url: `${base(apiKey)}/login`,
      payload: { email: user.email, password: user.password },
    });
    expect(loginRes.statusCode).toBe(200);
    const { token, user: loggedIn } = loginRes.json();
    expect(loggedIn).toMatchObject({ _id: user.id, id: user.id, email: user.email });
    expect(loginRes.json().code).toBeUndefined();

    const auth = { authorization: `Bearer ${token}` };
    const me = await server.app.inject({ method: 'GET', url: `${base(apiKey)}/user`, headers: auth });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ _id: user.id, email: user.email });

    // The same token on another app's routes is not this app's login.
    const elsewhere = await server.app.inject({
      method: 'GET',
      url: `${base(otherApiKey)}/user`,
      headers: auth,
    });
    expect(elsewhere.statusCode).toBe(401);

    const out = await server.app.inject({
      method: 'POST',
      url: `${base(apiKey)}/logout`,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '',
    });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ token, user: expect.objectContaining({ _id: user.id }) });

    const after = await server.app.inject({ method: 'GET', url: `${base(apiKey)}/user`, headers: auth });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ message: expect.any(String) });
    const again = await server.app.inject({ method: 'POST', url: `${base(apiKey)}/logout`, headers: auth });
    expect(again.statusCode).toBe(401);
  });

  it('errors are {message} with a 4xx status', async () => {
    const wrong = await server.app.inject({
      method: 'POST',
      url: `${base(apiKey)}/login`,
      payload: { email: user.email, password: 'nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ message: 'Wrong account or password' });
    const invalid = await server.app.inject({
      method: 'POST',
      url: `${base(apiKey)}/login`,
      payload: { email: user.email },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({ message: 'body/password is required' });
    const unknownApp = await server.app.inject({
      method: 'POST',
      url: `${base('000000000000000000000000')}/login`,
      payload: { email: user.email, password: user.password },
    });
    expect(unknownApp.statusCode).toBe(404);
    expect(Object.keys(unknownApp.json())).toEqual(['message']);
  });
});
