import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { bootstrap, describeBootstrap, startUrls } from '../src/domain/bootstrap.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createServices } from '../src/domain/services.ts';
import { openTestStore, quietLog, TEST_SETTINGS } from './helpers/server.ts';

describe('first start', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  async function services(reuse?: Awaited<ReturnType<typeof openTestStore>>['location']) {
    const opened = await openTestStore(reuse ? { reuse } : {});
    const s = await createServices({
      store: opened.store,
      bus: createMemoryBus(),
      clock: systemClock,
      log: quietLog,
      settings: TEST_SETTINGS,
      background: false,
    });
    return { s, opened };
  }

  it('generates pool and admin credentials once and reports them; a second start creates nothing', async () => {
    const { s, opened } = await services();
    const env = { poolId: undefined, poolSecret: undefined, adminEmail: undefined, adminPassword: undefined };
    const report = await bootstrap(s, { bootstrap: env });
    expect(report.pool?.secret).toMatch(/^[\w-]{40,}$/);
    expect(report.admin?.password).toMatch(/^[\w-]{24}$/);
    expect(describeBootstrap(report)).toContain(report.pool!.secret!);
    expect((await s.pools.issueAdminToken(report.pool!.id, report.pool!.secret!)).ok).toBe(true);
    expect(await s.admins.verify(report.admin!.email, report.admin!.password!)).not.toBeNull();
    await s.stop();
    await opened.store.close();

    const again = await services(opened.location);
    cleanups.push(again.opened.cleanup);
    expect(await bootstrap(again.s, { bootstrap: env })).toEqual({});
    expect(describeBootstrap({})).toBeNull();
    await again.s.stop();
  });

  it('uses the configured pool id, secret and admin, and does not print the given secrets', async () => {
    const { s, opened } = await services();
    cleanups.push(opened.cleanup);
    const report = await bootstrap(s, {
      bootstrap: {
        poolId: 'acme',
        poolSecret: 'acme-secret-0123456789',
        adminEmail: 'Root@Acme.test',
        adminPassword: 'root-password',
      },
    });
    expect(report).toEqual({
      pool: { id: 'acme', secret: null },
      admin: { email: 'root@acme.test', password: null },
    });
    expect(describeBootstrap(report)).not.toContain('acme-secret');
    expect(s.defaultPoolId()).toBe('acme');
    expect(s.issuerOf('acme')).toBe(`${TEST_SETTINGS.publicUrl}/oidc`);
    expect((await s.pools.issueAdminToken('acme', 'acme-secret-0123456789')).ok).toBe(true);
    expect(await s.admins.verify('root@acme.test', 'root-password')).not.toBeNull();
    expect(await s.admins.verify('root@acme.test', 'wrong')).toBeNull();
    await s.stop();
  });

  it('the first start’s banner says where to go: sign-in, personal center, console, OIDC, API, health', () => {
    const urls = startUrls('https://id.example.com');
    expect(urls).toEqual({
      home: 'https://id.example.com/',
      signIn: 'https://id.example.com/login',
      personalCenter: 'https://id.example.com/u',
      console: 'https://id.example.com/console',
      issuer: 'https://id.example.com/oidc',
      discovery: 'https://id.example.com/oidc/.well-known/openid-configuration',
      openapi: 'https://id.example.com/api/openapi.json',
      health: 'https://id.example.com/health',
    });
    const banner = describeBootstrap({ pool: { id: 'p', secret: 's3cret' } }, urls)!;
    expect(banner).toMatch(/user pool id\s+p\n/);
    for (const [label, url] of [
      ['sign-in', urls.signIn],
      ['personal center', urls.personalCenter],
      ['console', urls.console],
      ['OIDC issuer', urls.issuer],
      ['OIDC discovery', urls.discovery],
      ['health', urls.health],
    ] as const) {
      expect(banner).toMatch(new RegExp(`^  ${label} +${url.replace(/[.]/g, '\\.')}$`, 'm'));
    }
    // A later start creates nothing and prints nothing, URLs or not (they are in its log line).
    expect(describeBootstrap({}, urls)).toBeNull();
  });
});
