// A real Signoff for tests: real store (SQLite file in a temp dir, or a fresh PostgreSQL
// schema), real services, the real Fastify app; optionally listening on a loopback port.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../../src/app.ts';
import type { Bus } from '../../src/bus/bus.ts';
import { createMemoryBus } from '../../src/bus/memory-bus.ts';
import type { TrustProxy } from '../../src/config.ts';
import type { ThrottleRefusal } from '../../src/domain/auth/throttle.ts';
import { bootstrap } from '../../src/domain/bootstrap.ts';
import { type Clock, systemClock } from '../../src/domain/clock.ts';
import type { Logger } from '../../src/domain/logger.ts';
import {
  createServices,
  type DomainSettings,
  type ServiceDeps,
  type Services,
} from '../../src/domain/services.ts';
import type { App } from '../../src/http/context.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import type { ThrottleCounters } from '../../src/throttle/counters.ts';

/** The console administrator every test server is bootstrapped with. */
export const TEST_ADMIN = { email: 'admin@example.com', password: 'admin-password-123' } as const;

export const quietLog = { info() {}, warn() {}, error() {} };

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export const TEST_SETTINGS = {
  publicUrl: 'http://localhost:3000',
  accessTokenTTL: 3600,
  adminTokenTTL: 7200,
  sessionIdleTTL: 7 * 86400,
  sessionAbsoluteTTL: 30 * 86400,
  backchannelGiveUpAfter: 86400,
  ssfRetention: 7 * 86400,
  // Test receivers listen on 127.0.0.1; the SSRF guard's own test turns this off.
  backchannelAllowPrivate: true,
};

export interface TestStoreOptions {
  /** A PostgreSQL URL: a fresh schema in it. Otherwise SQLite in a temp dir. */
  postgresUrl?: string | undefined;
  /** Reuse an existing location (to reopen after a "crash"). */
  reuse?: TestStoreLocation;
}

export interface TestStoreLocation {
  dataDir: string;
  schema: string | undefined;
  postgresUrl: string | undefined;
}

export async function openTestStore(options: TestStoreOptions = {}): Promise<{
  store: Store;
  location: TestStoreLocation;
  cleanup(): Promise<void>;
}> {
  const location: TestStoreLocation = options.reuse ?? {
    dataDir: mkdtempSync(path.join(tmpdir(), 'signoff-test-')),
    schema: options.postgresUrl ? `t_${randomBytes(6).toString('hex')}` : undefined,
    postgresUrl: options.postgresUrl,
  };
  const store = await openStore(
    { databaseUrl: location.postgresUrl, dataDir: location.dataDir },
    location.schema ? { schema: location.schema, max: 5 } : {},
  );
  return {
    store,
    location,
    async cleanup() {
      await store.close();
      rmSync(location.dataDir, { recursive: true, force: true });
      if (location.postgresUrl && location.schema) {
        const client = new pg.Client({ connectionString: location.postgresUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${location.schema} CASCADE`);
        await client.end();
      }
    },
  };
}

export interface TestServer {
  app: App;
  services: Services;
  store: Store;
  bus: Bus;
  pool: { id: string; secret: string };
  /** Set when started with listen: true. */
  url: string;
  location: TestStoreLocation;
  /** A management API call's headers for this pool. */
  adminHeaders(): Promise<Record<string, string>>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestServer(
  options: TestStoreOptions & {
    listen?: boolean;
    clock?: Clock;
    bus?: Bus;
    settings?: Partial<typeof TEST_SETTINGS> & Pick<DomainSettings, 'loginThrottle'>;
    /** SIGNOFF_TRUST_PROXY as parsed: proxies in front of the server. */
    trustProxy?: TrustProxy;
    /** Where the sign-in throttles count (Redis shared by two test nodes); memory by default. The caller closes it. */
    throttleCounters?: ThrottleCounters;
    onThrottleRefused?: (refusal: ThrottleRefusal) => void;
    log?: Logger;
    /** Background timers (revocation poll, workers, bulk resume); off by default: tests drive the work. */
    background?: ServiceDeps['background'];
    bulk?: ServiceDeps['bulk'];
  } = {},
): Promise<TestServer> {
  const { store, location, cleanup } = await openTestStore(options);
  const bus = options.bus ?? createMemoryBus();
  const poolSecret = 'test-pool-secret-0123456789';
  // A listening server knows its port before it starts, so that its public URL (the OIDC
  // issuer, links, redirects) is the address clients really use.
  const port = options.listen ? await freePort() : 0;
  const settings = {
    ...TEST_SETTINGS,
    ...(options.listen ? { publicUrl: `http://127.0.0.1:${port}` } : {}),
    ...options.settings,
  };
  const services = await createServices({
    store,
    bus,
    clock: options.clock ?? systemClock,
    log: options.log ?? quietLog,
    settings,
    background: options.background ?? false,
    ...(options.bulk ? { bulk: options.bulk } : {}),
    ...(options.throttleCounters ? { throttleCounters: options.throttleCounters } : {}),
    ...(options.onThrottleRefused ? { onThrottleRefused: options.onThrottleRefused } : {}),
  });
  await bootstrap(services, {
    bootstrap: {
      poolId: undefined,
      poolSecret,
      adminEmail: TEST_ADMIN.email,
      adminPassword: TEST_ADMIN.password,
    },
  });
  const app = await buildApp({
    services,
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  let url = '';
  if (options.listen) {
    try {
      url = await app.listen({ port, host: '127.0.0.1' });
    } catch (error) {
      // Another test took the probed port in between: start over on a new one.
      await app.close();
      await services.stop();
      if (!options.bus) await bus.close();
      // Reused data stays (it belongs to the caller); a fresh store goes.
      if (options.reuse) await store.close();
      else await cleanup();
      if ((error as { code?: string }).code === 'EADDRINUSE') return startTestServer(options);
      throw error;
    }
  }
  const poolId = services.defaultPoolId()!;
  let adminToken: string | null = null;
  return {
    app,
    services,
    store,
    bus,
    pool: { id: poolId, secret: poolSecret },
    url,
    location,
    async adminHeaders() {
      if (!adminToken) {
        const issued = await services.pools.issueAdminToken(poolId, poolSecret);
        if (!issued.ok) throw new Error(`admin token: ${issued.reason}`);
        adminToken = issued.accessToken;
      }
      return { authorization: `Bearer ${adminToken}`, 'x-authing-userpool-id': poolId };
    },
    async close(closeOptions = {}) {
      await app.close();
      await services.stop();
      if (!options.bus) await bus.close();
      if (closeOptions.keepData) await store.close();
      else await cleanup();
    },
  };
}

/** A service result that must not be a refusal (an app created or updated in a test's set-up). */
export function accepted<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

/** Creates an app and a user in the server's pool through the management API. */
export async function createAppAndUser(
  server: TestServer,
  appBody: Record<string, unknown> = {},
  userBody: Record<string, unknown> = {},
) {
  const headers = await server.adminHeaders();
  const appRes = await server.app.inject({
    method: 'POST',
    url: '/api/v2/applications',
    headers,
    payload: { name: 'Test app', logoutRedirectUris: ['https://app.example.com/bye'], ...appBody },
  });
  if (appRes.statusCode !== 200) throw new Error(`create app: ${appRes.body}`);
  const password = 'correct horse battery';
  const username = `user-${randomBytes(4).toString('hex')}`;
  const userRes = await server.app.inject({
    method: 'POST',
    url: '/api/v2/users',
    headers,
    payload: { username, email: `${username}@example.com`, password, ...userBody },
  });
  if (userRes.statusCode !== 200) throw new Error(`create user: ${userRes.body}`);
  return {
    app: appRes.json().data as { id: string; secret: string },
    user: { ...(userRes.json().data as { id: string; username: string; email: string }), password },
  };
}

/** Signs a user in to an app through the API; returns the token and the session cookie. */
export async function login(
  server: TestServer,
  appId: string,
  account: string,
  password: string,
  cookie?: string,
) {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v2/login/account',
    headers: {
      'x-authing-app-id': appId,
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36',
      ...(cookie ? { cookie } : {}),
    },
    payload: { account, password },
  });
  if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`);
  const setCookie = res.cookies.find((c) => c.name === 'signoff_session');
  return {
    token: res.json().data.token as string,
    cookie: setCookie ? `signoff_session=${setCookie.value}` : (cookie ?? ''),
    body: res.json(),
  };
}

/** GET /api/v2/users/me with a Bearer token, in process. */
export const getMe = (server: Pick<TestServer, 'app'>, token: string) =>
  server.app.inject({
    method: 'GET',
    url: '/api/v2/users/me',
    headers: { authorization: `Bearer ${token}` },
  });
