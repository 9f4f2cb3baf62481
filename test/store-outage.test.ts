// PostgreSQL down or restarting (issue 10 part 2, finding 1). A TCP proxy stands between the
// node and the shared PostgreSQL: `cut()` drops every connection and refuses new ones, as a
// server that went away or is restarting does. Every request that needs the store answers a
// prompt 503 / 5031 with Retry-After (never a hang, never a 500); /health stays 200 and
// /ready says the store is unavailable; the background work logs the outage once; and once
// PostgreSQL answers again the node serves without a restart, having lost no logout it
// answered 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/domain/logger.ts';
import { createPostgresDriver } from '../src/store/postgres/postgres-driver.ts';
import { asStoreError, isConnectionFailure, StoreUnavailableError } from '../src/store/unavailable.ts';
import { postgresUrl } from './helpers/environment.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

const pg = postgresUrl();

/** A logger that keeps every line, for the assertions on what an outage writes. */
function recordingLog() {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (_fields: unknown, msg: string): void => {
      lines.push({ level, msg });
    };
  const log: Logger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
};

describe.skipIf(!pg)('PostgreSQL down, then back (through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let node: TestServer;
  const recorded = recordingLog();
  let signedIn: { appId: string; appSecret: string; account: string; password: string };

  beforeAll(async () => {
    const target = new URL(pg!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    node = await startTestServer({
      postgresUrl: proxy.url(pg!),
      log: recorded.log,
      // Sign-ins in parallel take their tries together (src/domain/auth/throttle.ts).
      settings: { loginThrottle: { perAccount: 100, perIp: 100, windowMs: 60_000 } },
    });
    const { app, user } = await createAppAndUser(node);
    signedIn = { appId: app.id, appSecret: app.secret, account: user.username, password: user.password };
  });
  afterAll(async () => {
    await proxy.restore();
    await node.close();
    await proxy.close();
  });

  const signIn = () =>
    node.app.inject({
      method: 'POST',
      url: '/api/v2/login/account',
      headers: { 'x-authing-app-id': signedIn.appId },
      payload: { account: signedIn.account, password: signedIn.password },
    });
  const me = (token: string) =>
    node.app.inject({
      method: 'GET',
      url: '/api/v2/users/me',
      headers: { authorization: `Bearer ${token}` },
    });
  const logout = (token: string) =>
    node.app.inject({ method: 'POST', url: '/api/v2/logout', headers: { authorization: `Bearer ${token}` } });

  it('answers 503 / 5031 with Retry-After at once while the store is unreachable; /health stays 200, /ready 503', async () => {
    const before = await login(node, signedIn.appId, signedIn.account, signedIn.password);
    await proxy.cut();
    try {
      const admin = await node.adminHeaders();
      for (const request of [
        () => signIn(),
        () => me(before.token),
        () => logout(before.token),
        () => node.app.inject({ method: 'GET', url: '/api/v2/applications', headers: admin }),
      ]) {
        const { result: res, ms } = await timed(request);
        expect(res.statusCode, res.body).toBe(503);
        expect(res.json()).toEqual({ code: 5031, message: 'The store is unavailable; retry shortly' });
        expect(res.headers['retry-after']).toBe('2');
        expect(ms).toBeLessThan(2000);
      }

      // A hosted page: an HTML page saying so, with the same status and header.
      const page = await node.app.inject({ method: 'GET', url: '/u', headers: { cookie: before.cookie } });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['retry-after']).toBe('2');
      expect(page.body).toMatch(/temporarily unavailable/i);
      expect(page.body).not.toMatch(/at .*\.ts:\d+/);

      // The OpenID provider's endpoints: 503 too, the token endpoint in OAuth's words.
      const token = await node.app.inject({
        method: 'POST',
        url: '/oidc/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${signedIn.appId}:${signedIn.appSecret}`).toString('base64')}`,
        },
        payload: 'grant_type=client_credentials',
      });
      expect(token.statusCode, token.body).toBe(503);
      expect(token.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect(token.headers['retry-after']).toBe('2');
      const authorize = await node.app.inject({
        method: 'GET',
        url: `/oidc/auth?client_id=${signedIn.appId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://a.example/cb')}`,
        headers: { accept: 'text/html' },
      });
      expect(authorize.statusCode, authorize.body).toBe(503);

      expect((await node.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      const ready = await node.app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', store: 'unavailable' });

      // The driver says what kind of failure it was: the revocation poll, for one.
      await expect(node.services.revocationSync.poll()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(recorded.lines.filter((l) => l.level === 'error' && l.msg === 'request failed')).toEqual([]);
    } finally {
      await proxy.restore();
    }
  });

  it('serves again without a restart once PostgreSQL answers, and no logout answered 200 is lost', async () => {
    // The pool's connections died with the cut: the next queries open new ones.
    const again = await signIn();
    expect(again.statusCode, again.body).toBe(200);
    const token = again.json().data.token as string;
    expect((await me(token)).statusCode).toBe(200);
    expect((await node.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

    // Logouts racing a cut: each answered 200 was committed, whatever happened to the others.
    const tokens = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const res = await signIn();
        if (res.statusCode !== 200) throw new Error(`sign-in: ${res.statusCode} ${res.body}`);
        return res.json().data.token as string;
      }),
    );
    // The cut comes once the first logouts were answered, while the others are in flight.
    let answered = 0;
    let cutting: Promise<void> | null = null;
    const answers = Promise.all(
      tokens.map(async (t, i) => {
        await new Promise((r) => setTimeout(r, i * 3));
        const res = await logout(t);
        if (++answered === 3) cutting = proxy.cut();
        return res;
      }),
    );
    const statuses = (await answers).map((res) => res.statusCode);
    await cutting;
    await proxy.restore();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);

    // A second node reading the store from scratch refuses every token whose logout said 200.
    const fresh = await startTestServer({ postgresUrl: pg, reuse: node.location });
    try {
      const refused = await Promise.all(
        tokens.map(
          async (t) =>
            (
              await fresh.app.inject({
                method: 'GET',
                url: '/api/v2/users/me',
                headers: { authorization: `Bearer ${t}` },
              })
            ).statusCode,
        ),
      );
      statuses.forEach((status, i) => {
        if (status === 200) expect(refused[i]).toBe(401);
      });
    } finally {
      await fresh.close({ keepData: true });
    }
  });

  it('a connection lost between two statements of a transaction fails that transaction, not the process', async () => {
    // The checked-out client has no pool listener: unheard, its 'error' would end the process
    // (and vitest would report an uncaught exception).
    const driver = createPostgresDriver(proxy.url(pg!), { max: 2 });
    try {
      const failed = driver.transaction(async (q) => {
        await q('SELECT 1');
        await proxy.cut();
        await new Promise((r) => setTimeout(r, 100));
        await q('SELECT 1');
      });
      await expect(failed).rejects.toBeInstanceOf(StoreUnavailableError);
      await proxy.restore();
      // The broken client was not handed back: the next transaction gets a working one.
      expect(await driver.transaction((q) => q('SELECT 2 AS n'))).toEqual([{ n: 2 }]);
    } finally {
      await proxy.restore();
      await driver.close();
    }
  });

  it('session activity that cannot be recorded is one line per outage, not one per request', async () => {
    const [first, ...sessions] = await Promise.all(
      [1, 2, 3, 4, 5].map(() => login(node, signedIn.appId, signedIn.account, signedIn.password)),
    );
    // A write that works first: whatever outage an earlier test left open in the log is over.
    await me(first!.token);
    await new Promise((r) => setTimeout(r, 200));
    recorded.lines.length = 0;
    await proxy.cut();
    try {
      for (const s of sessions) await me(s.token);
      // The writes are not awaited by the requests: give them their turn to fail.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await proxy.restore();
    }
    await new Promise((r) => setTimeout(r, 200));
    // Past the touch interval, the next request records again, and says the store is back.
    const fresh = await login(node, signedIn.appId, signedIn.account, signedIn.password);
    await me(fresh.token);
    await new Promise((r) => setTimeout(r, 300));
    const about = recorded.lines.filter((l) => l.msg.startsWith('recording session activity'));
    expect(about).toEqual([
      {
        level: 'warn',
        msg: 'recording session activity: the store is unavailable; retrying until it answers',
      },
      { level: 'info', msg: 'recording session activity: the store answers again' },
    ]);
  });

  it('the background work logs one line per outage, keeps going, and says when the store is back', async () => {
    recorded.lines.length = 0;
    node.services.backchannel.start(20);
    try {
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 400));
      await proxy.restore();
      await new Promise((r) => setTimeout(r, 400));
    } finally {
      await node.services.backchannel.stop();
    }
    const about = recorded.lines.filter((l) => l.msg.startsWith('back-channel logout'));
    expect(about).toEqual([
      { level: 'warn', msg: 'back-channel logout run: the store is unavailable; retrying until it answers' },
      { level: 'info', msg: 'back-channel logout run: the store answers again' },
    ]);
  });
});

describe('which database errors count as the store being unavailable', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it('connection-class failures do; statement failures do not', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('ETIMEDOUT'),
      withCode('08006', 'connection failure'),
      withCode('08001'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P02'),
      withCode('57P03', 'the database system is starting up'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], ''),
    ]) {
      expect(isConnectionFailure(error), String((error as { code?: string }).code ?? error.message)).toBe(
        true,
      );
      expect(asStoreError(error)).toBeInstanceOf(StoreUnavailableError);
    }
    for (const error of [
      withCode('23505', 'duplicate key value'),
      withCode('42P01', 'relation does not exist'),
      withCode('57014', 'canceling statement due to statement timeout'),
      new Error('boom'),
    ]) {
      expect(isConnectionFailure(error)).toBe(false);
      expect(asStoreError(error)).toBe(error);
    }
  });
});
