import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('has the defaults of CONTRACT §1', () => {
    const config = loadConfig({}, '/srv/signoff');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      dataDir: '/srv/signoff/data',
      databaseUrl: undefined,
      databaseSchema: undefined,
      redisUrl: undefined,
      redisPrefix: 'signoff:',
      trustProxy: false,
      backchannelGiveUpAfter: 86400,
      backchannelAllowPrivate: false,
    });
    expect(
      loadConfig({ SIGNOFF_BACKCHANNEL_GIVE_UP_AFTER: '3600', SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: 'true' }),
    ).toMatchObject({ backchannelGiveUpAfter: 3600, backchannelAllowPrivate: true });
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ SIGNOFF_PUBLIC_URL: 'https://id.example.com/' }).publicUrl).toBe(
      'https://id.example.com',
    );
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SIGNOFF_PUBLIC_URL: 'id.example.com' }, 'SIGNOFF_PUBLIC_URL'],
    [{ SIGNOFF_PUBLIC_URL: 'ftp://id.example.com' }, 'SIGNOFF_PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ SIGNOFF_BOOTSTRAP_POOL_ID: 'has space' }, 'SIGNOFF_BOOTSTRAP_POOL_ID'],
    [{ SIGNOFF_BOOTSTRAP_POOL_SECRET: 'short' }, 'SIGNOFF_BOOTSTRAP_POOL_SECRET'],
    [{ SIGNOFF_ADMIN_EMAIL: 'not-an-email' }, 'SIGNOFF_ADMIN_EMAIL'],
    [{ SIGNOFF_ADMIN_PASSWORD: 'short' }, 'SIGNOFF_ADMIN_PASSWORD'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SIGNOFF_TRUST_PROXY: 'yes' }, 'SIGNOFF_TRUST_PROXY'],
    [{ SIGNOFF_TRUST_PROXY: 'true' }, 'SIGNOFF_TRUST_PROXY'],
    [{ SIGNOFF_TRUST_PROXY: '0' }, 'SIGNOFF_TRUST_PROXY'],
    [{ SIGNOFF_TRUST_PROXY: '10.0.0.0/33' }, 'SIGNOFF_TRUST_PROXY'],
    [{ SIGNOFF_BACKCHANNEL_GIVE_UP_AFTER: '1d' }, 'SIGNOFF_BACKCHANNEL_GIVE_UP_AFTER'],
    [{ SIGNOFF_BACKCHANNEL_GIVE_UP_AFTER: '59' }, 'SIGNOFF_BACKCHANNEL_GIVE_UP_AFTER'],
    [{ SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: '1' }, 'SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE'],
    [{ SIGNOFF_SESSION_TTL: '60', SIGNOFF_SESSION_IDLE_TTL: '120' }, 'SIGNOFF_SESSION_TTL'],
    [{ SIGNOFF_DATABASE_SCHEMA: 'Tenant' }, 'SIGNOFF_DATABASE_SCHEMA'],
    [{ SIGNOFF_DATABASE_SCHEMA: '1st' }, 'SIGNOFF_DATABASE_SCHEMA'],
    [{ SIGNOFF_DATABASE_SCHEMA: 'a;drop' }, 'SIGNOFF_DATABASE_SCHEMA'],
    [{ SIGNOFF_DATABASE_SCHEMA: 'pg_signoff' }, 'SIGNOFF_DATABASE_SCHEMA'],
    [{ SIGNOFF_DATABASE_SCHEMA: `s${'x'.repeat(63)}` }, 'SIGNOFF_DATABASE_SCHEMA'],
    [{ SIGNOFF_REDIS_PREFIX: 'has space:' }, 'SIGNOFF_REDIS_PREFIX'],
    [{ SIGNOFF_REDIS_PREFIX: 'p'.repeat(65) }, 'SIGNOFF_REDIS_PREFIX'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('SIGNOFF_TRUST_PROXY takes a number of proxies or their addresses, and refuses true saying what to write', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ SIGNOFF_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ SIGNOFF_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ SIGNOFF_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).trustProxy).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
    ]);
    expect(() => loadConfig({ SIGNOFF_TRUST_PROXY: 'true' })).toThrow(
      /would trust the X-Forwarded-For a client writes itself: set the number of proxies in front of Signoff \(1 for one reverse proxy\) or their addresses/,
    );
  });

  it('SIGNOFF_DATABASE_SCHEMA and SIGNOFF_REDIS_PREFIX let two deployments share one PostgreSQL and one Redis', () => {
    expect(
      loadConfig({ SIGNOFF_DATABASE_SCHEMA: 'signoff_staging', SIGNOFF_REDIS_PREFIX: 'signoff-staging:' }),
    ).toMatchObject({ databaseSchema: 'signoff_staging', redisPrefix: 'signoff-staging:' });
    expect(loadConfig({ SIGNOFF_DATABASE_SCHEMA: `_${'x'.repeat(62)}` }).databaseSchema).toHaveLength(63);
  });
});
