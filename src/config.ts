// Environment → typed configuration, validated once at boot (CONTRACT §1).
// Every failure names the variable, so a typo in a unit file is found at the first start.
import { isIP } from 'node:net';
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL schema holding the tables (created if missing); undefined: the server's default (public). */
  databaseSchema: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so that deployments can share one Redis. */
  redisPrefix: string;
  bootstrap: {
    poolId: string | undefined;
    poolSecret: string | undefined;
    adminEmail: string | undefined;
    adminPassword: string | undefined;
  };
  /** Lifetime of an access token, seconds. Also how long a revocation must be remembered. */
  accessTokenTTL: number;
  /** Lifetime of a pool administrator token, seconds. */
  adminTokenTTL: number;
  /** A session ends after this long without activity, seconds. */
  sessionIdleTTL: number;
  /** A session ends this long after sign-in whatever its activity, seconds. */
  sessionAbsoluteTTL: number;
  logLevel: string;
  /**
   * Which hops of X-Forwarded-For to believe for the client address: false (none), a number of
   * proxies in front of Signoff, or the proxies' addresses and CIDR ranges.
   */
  trustProxy: TrustProxy;
  /** A back-channel logout delivery is marked failed once it has been retried this long, seconds. */
  backchannelGiveUpAfter: number;
  /** Deliver back-channel logouts to loopback, private and link-local addresses too. */
  backchannelAllowPrivate: boolean;
  /** A Security Event Token waiting for a poll is dropped once this old, seconds. */
  ssfRetention: number;
}

export type TrustProxy = false | number | string[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, schemes: string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`);
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new ConfigError(
      `${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}, got "${raw}"`,
    );
  }
  return raw;
}

/**
 * SIGNOFF_TRUST_PROXY (issue 10): `true` would take the first X-Forwarded-For entry, which the
 * client writes itself, so it is refused; what the nearest proxies saw is what counts — so many
 * hops (Fastify's trustProxy as a number), or the proxies' own addresses.
 */
function trustProxy(env: Env): TrustProxy {
  const name = 'SIGNOFF_TRUST_PROXY';
  const raw = read(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') {
    throw new ConfigError(
      `${name}=true would trust the X-Forwarded-For a client writes itself: set the number of proxies in front of Signoff (1 for one reverse proxy) or their addresses (10.0.0.1,10.0.0.0/8)`,
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 10)
      throw new ConfigError(`${name} must be 1 to 10 proxies, or their addresses, got "${raw}"`);
    return hops;
  }
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = prefix === undefined ? null : Number(prefix);
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== null && (!/^\d+$/.test(prefix!) || bits > (family === 4 ? 32 : 128)))
    ) {
      throw new ConfigError(
        `${name} must be a number of proxies or a comma list of addresses and CIDRs, got "${entry}"`,
      );
    }
  }
  return entries;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  return raw === 'true';
}

/**
 * SIGNOFF_DATABASE_SCHEMA: an unquoted PostgreSQL identifier (at most 63 bytes), lower case so
 * that it names the same schema quoted or not; `pg_` names are reserved by PostgreSQL.
 */
function databaseSchema(env: Env): string | undefined {
  const name = 'SIGNOFF_DATABASE_SCHEMA';
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw) || raw.startsWith('pg_')) {
    throw new ConfigError(
      `${name} must be a schema name: lower-case letters, digits and "_", starting with a letter or "_", at most 63 characters, not starting with "pg_"; got "${raw}"`,
    );
  }
  return raw;
}

/** SIGNOFF_REDIS_PREFIX: printable, no spaces (keys and channels are written with it as is). */
function redisPrefix(env: Env): string {
  const name = 'SIGNOFF_REDIS_PREFIX';
  const raw = read(env, name);
  if (raw === undefined) return 'signoff:';
  if (!/^[A-Za-z0-9_.:{}-]{1,64}$/.test(raw)) {
    throw new ConfigError(`${name} may hold only letters, digits and "_ . : - { }" (1 to 64), got "${raw}"`);
  }
  return raw;
}

const POOL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const publicUrl = (
    url(env, 'SIGNOFF_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`
  ).replace(/\/+$/, '');
  const poolId = read(env, 'SIGNOFF_BOOTSTRAP_POOL_ID');
  if (poolId !== undefined && !POOL_ID.test(poolId)) {
    throw new ConfigError('SIGNOFF_BOOTSTRAP_POOL_ID may hold only letters, digits, "-" and "_" (1 to 64)');
  }
  const poolSecret = read(env, 'SIGNOFF_BOOTSTRAP_POOL_SECRET');
  if (poolSecret !== undefined && poolSecret.length < 16) {
    throw new ConfigError('SIGNOFF_BOOTSTRAP_POOL_SECRET must be at least 16 characters');
  }
  const adminEmail = read(env, 'SIGNOFF_ADMIN_EMAIL');
  if (adminEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(adminEmail)) {
    throw new ConfigError(`SIGNOFF_ADMIN_EMAIL must be an email address, got "${adminEmail}"`);
  }
  const adminPassword = read(env, 'SIGNOFF_ADMIN_PASSWORD');
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('SIGNOFF_ADMIN_PASSWORD must be at least 8 characters');
  }
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const sessionIdleTTL = integer(env, 'SIGNOFF_SESSION_IDLE_TTL', 7 * 86400, 60, 365 * 86400);
  const sessionAbsoluteTTL = integer(env, 'SIGNOFF_SESSION_TTL', 30 * 86400, 60, 3650 * 86400);
  if (sessionAbsoluteTTL < sessionIdleTTL) {
    throw new ConfigError('SIGNOFF_SESSION_TTL must not be shorter than SIGNOFF_SESSION_IDLE_TTL');
  }
  return {
    port,
    host,
    publicUrl,
    dataDir: path.resolve(cwd, read(env, 'SIGNOFF_DATA_DIR') ?? './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseSchema: databaseSchema(env),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: redisPrefix(env),
    bootstrap: { poolId, poolSecret, adminEmail, adminPassword },
    accessTokenTTL: integer(env, 'SIGNOFF_ACCESS_TOKEN_TTL', 3600, 30, 30 * 86400),
    adminTokenTTL: integer(env, 'SIGNOFF_ADMIN_TOKEN_TTL', 7200, 30, 30 * 86400),
    sessionIdleTTL,
    sessionAbsoluteTTL,
    logLevel,
    trustProxy: trustProxy(env),
    backchannelGiveUpAfter: integer(env, 'SIGNOFF_BACKCHANNEL_GIVE_UP_AFTER', 86400, 60, 30 * 86400),
    backchannelAllowPrivate: flag(env, 'SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE', false),
    ssfRetention: integer(env, 'SIGNOFF_SSF_RETENTION', 7 * 86400, 60, 365 * 86400),
  };
}
