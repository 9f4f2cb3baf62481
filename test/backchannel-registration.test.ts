// A back-channel URI that the SSRF guard would refuse at every delivery is refused when it is
// registered (issue 8), unless SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE is set: through the API (create
// and PATCH) and the console's settings form, with a 400 naming the field and the variable, and
// nothing written. The CLI's refusal is in cli.test.ts. No name used here needs outside DNS:
// `localhost` resolves from /etc/hosts, `.invalid` names never resolve (RFC 6761 §6.4), and
// the accepted public target is an address literal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageClient } from './helpers/page-client.ts';
import { TEST_ADMIN as ADMIN, startTestServer, type TestServer } from './helpers/server.ts';

/** RFC 5737 documentation range: public to the guard, and nothing is sent to it here. */
const PUBLIC_URI = 'https://203.0.113.7/backchannel';
const RANGES = 'a loopback, private or link-local address';
const OFF = 'back-channel logout is never delivered there while SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE is off';

async function call(server: TestServer, method: 'POST' | 'PATCH' | 'GET', url: string, payload?: object) {
  const res = await server.app.inject({
    method,
    url,
    headers: await server.adminHeaders(),
    ...(payload ? { payload: payload as Record<string, unknown> } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

const create = (server: TestServer, body: object) => call(server, 'POST', '/api/v2/applications', body);

describe('registering a back-channel URI with the SSRF guard on', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ settings: { backchannelAllowPrivate: false } });
  });
  afterAll(() => server.close());

  it('refuses private, loopback and link-local targets at create, by address or by name', async () => {
    const before = (await call(server, 'GET', '/api/v2/applications')).body.data.length;
    for (const [uri, message] of [
      ['http://127.0.0.1:9/bc', `points to 127.0.0.1, ${RANGES}: ${OFF}`],
      ['http://10.0.0.1/bc', `points to 10.0.0.1, ${RANGES}: ${OFF}`],
      ['https://169.254.169.254/latest/meta-data', `points to 169.254.169.254, ${RANGES}: ${OFF}`],
      ['http://[::1]:8080/bc', `points to ::1, ${RANGES}: ${OFF}`],
      ['http://[::ffff:192.168.0.1]/bc', `points to ::ffff:c0a8:1, ${RANGES}: ${OFF}`],
    ]) {
      expect(await create(server, { name: 'Internal', backchannelLogoutUri: uri }), uri).toEqual({
        status: 400,
        body: { code: 4000, message: `body/backchannelLogoutUri ${message}` },
      });
    }
    // A name is judged by what it resolves to: every address, as at delivery.
    const byName = await create(server, { name: 'Internal', backchannelLogoutUri: 'http://localhost/bc' });
    expect(byName.status).toBe(400);
    expect(byName.body.message).toMatch(
      /^body\/backchannelLogoutUri points to localhost, which resolves to (127\.0\.0\.1|::1), a loopback, private or link-local address: .*SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE is off$/,
    );
    expect((await call(server, 'GET', '/api/v2/applications')).body.data, 'none created').toHaveLength(
      before,
    );
  });

  it('refuses a name that does not resolve: no logout could ever be delivered to it', async () => {
    expect(await create(server, { name: 'Nowhere', backchannelLogoutUri: 'https://app.invalid/bc' })).toEqual(
      {
        status: 400,
        body: {
          code: 4000,
          message:
            'body/backchannelLogoutUri names app.invalid, which does not resolve (ENOTFOUND): no logout could be delivered to it, and while SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE is off only a host with public addresses is accepted',
        },
      },
    );
  });

  it('accepts a public target, and no back-channel URI at all', async () => {
    const created = await create(server, { name: 'Public', backchannelLogoutUri: PUBLIC_URI });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({ name: 'Public', backchannelLogoutUri: PUBLIC_URI });
    const none = await create(server, { name: 'Quiet', backchannelLogoutUri: null });
    expect([none.status, none.body.data.backchannelLogoutUri]).toEqual([200, null]);
  });

  it('a refused PATCH changes nothing, not even the fields sent with the URI', async () => {
    const { body } = await create(server, { name: 'Payroll', backchannelLogoutUri: PUBLIC_URI });
    const url = `/api/v2/applications/${body.data.id}`;
    const refused = await call(server, 'PATCH', url, {
      name: 'Renamed',
      logoutRedirectUris: ['https://payroll.example.com/bye'],
      backchannelLogoutUri: 'http://192.168.1.20:8080/bc',
    });
    expect(refused).toEqual({
      status: 400,
      body: { code: 4000, message: `body/backchannelLogoutUri points to 192.168.1.20, ${RANGES}: ${OFF}` },
    });
    expect((await call(server, 'GET', url)).body.data).toMatchObject({
      name: 'Payroll',
      logoutRedirectUris: [],
      backchannelLogoutUri: PUBLIC_URI,
    });

    // What can be delivered to, or nothing, is taken; a PATCH without the URI is not checked.
    const other = 'https://198.51.100.4/logout';
    expect((await call(server, 'PATCH', url, { backchannelLogoutUri: other })).body.data).toMatchObject({
      backchannelLogoutUri: other,
    });
    expect((await call(server, 'PATCH', url, { name: 'Payroll 2' })).body.data.name).toBe('Payroll 2');
    expect((await call(server, 'PATCH', url, { backchannelLogoutUri: null })).body.data).toMatchObject({
      backchannelLogoutUri: null,
    });
    // An unknown app is still a 404 when the URI is fine, a 400 when it is not.
    expect((await call(server, 'PATCH', '/api/v2/applications/nope', { name: 'x' })).status).toBe(404);
    expect(
      (await call(server, 'PATCH', '/api/v2/applications/nope', { backchannelLogoutUri: 'http://10.0.0.1/' }))
        .status,
    ).toBe(400);
  });

  it('the console settings form shows the refusal on the field and saves nothing', async () => {
    const { body } = await create(server, { name: 'Wiki', backchannelLogoutUri: PUBLIC_URI });
    const browser = pageClient(server);
    expect((await browser.submit('/console/login', '/console/login', ADMIN)).statusCode).toBe(303);
    const page = `/console/pools/${server.pool.id}/apps/${body.data.id}`;
    const refused = await browser.submit(page, `${page}/settings`, {
      name: 'Wiki renamed',
      redirectUris: '',
      logoutRedirectUris: '',
      backchannelLogoutUri: 'http://10.0.0.1/bc',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('id="backchannelLogoutUri-error"');
    expect(refused.body).toContain(`It points to 10.0.0.1, ${RANGES}: ${OFF}.`);
    // The form keeps what was typed, for the administrator to correct.
    expect(refused.body).toContain('value="http://10.0.0.1/bc"');
    expect(await server.services.apps.get(server.pool.id, body.data.id)).toMatchObject({
      name: 'Wiki',
      backchannelLogoutUri: PUBLIC_URI,
    });
  });
});

describe('registering a back-channel URI with SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE set', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ settings: { backchannelAllowPrivate: true } });
  });
  afterAll(() => server.close());

  it('accepts private and loopback targets, and names that do not resolve, at create and PATCH', async () => {
    for (const uri of [
      'http://127.0.0.1:9/bc',
      'http://10.0.0.1/bc',
      'http://localhost/bc',
      'https://app.invalid/bc',
    ]) {
      const created = await create(server, { name: 'Internal', backchannelLogoutUri: uri });
      expect([created.status, created.body.data?.backchannelLogoutUri], uri).toEqual([200, uri]);
    }
    const { body } = await create(server, { name: 'Moves', backchannelLogoutUri: PUBLIC_URI });
    const patched = await call(server, 'PATCH', `/api/v2/applications/${body.data.id}`, {
      backchannelLogoutUri: 'http://192.168.1.20:8080/bc',
    });
    expect([patched.status, patched.body.data.backchannelLogoutUri]).toEqual([
      200,
      'http://192.168.1.20:8080/bc',
    ]);
  });
});
