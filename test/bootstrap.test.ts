import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { bootstrap, describeBootstrap } from '../src/domain/bootstrap.ts';
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
});
