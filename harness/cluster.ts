// What the harness runs: its own Redis on a spare port (so that it can kill it), a fresh
// schema in the local PostgreSQL reached through a TCP proxy (so that it can cut it), and
// Signoff nodes — real `node src/main.ts` processes, as `npm start` runs them — on spare ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export const POOL_ID = 'harness';
export const POOL_SECRET = `harness-secret-${randomBytes(8).toString('hex')}`;
const ROOT = path.resolve(import.meta.dirname, '..');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP port free on loopback right now. */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Waits until `check` is true; its time in ms, or throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, stepMs = 50) {
  const start = performance.now();
  for (;;) {
    let done = false;
    try {
      done = await check();
    } catch (error) {
      // A check that knows it cannot succeed any more says so by a message starting "node".
      if ((error as Error).message.startsWith('node ')) throw error;
    }
    if (done) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(stepMs);
  }
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

export interface RedisServer {
  port: number;
  url: string;
  /** kill -9: no shutdown, connections drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  start(): Promise<void>;
}

export async function startRedis(port: number, logDir: string): Promise<RedisServer> {
  let child: ChildProcess | null = null;
  const log = createWriteStream(path.join(logDir, 'redis.log'), { flags: 'a' });
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    await waitFor('redis-server', () => redisPing(port), 10_000);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      c.kill('SIGKILL');
      await once(c, 'exit');
    },
    start,
  };
}

export interface Database {
  schema: string;
  proxy: TcpProxy;
  /** The URL the nodes use: through the proxy. */
  nodeUrl: string;
  /** A direct query (the harness's own checks), bypassing the proxy. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function openDatabase(adminUrl: string): Promise<Database> {
  const schema = `harness_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}_${randomBytes(4).toString('hex')}`;
  const target = new URL(adminUrl);
  const proxy = await startTcpProxy({
    listenPort: await sparePort(),
    targetHost: target.hostname,
    targetPort: Number(target.port || 5432),
  });
  const direct = new pg.Pool({ connectionString: adminUrl, max: 2 });
  await direct.query(`CREATE SCHEMA ${schema}`);
  const nodeUrl = new URL(adminUrl);
  nodeUrl.hostname = '127.0.0.1';
  nodeUrl.port = String(proxy.port);
  return {
    schema,
    proxy,
    nodeUrl: nodeUrl.toString(),
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await direct.query<T>(sql.replaceAll('$schema', schema), params)).rows;
    },
    async drop() {
      await proxy.close();
      await direct.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await direct.end();
    },
  };
}

export interface NodeProcess {
  index: number;
  port: number;
  url: string;
  readonly alive: boolean;
  /** Dead without the harness killing it: how it ended ("exit 1", "SIGSEGV"), else null. */
  crashed(): string | null;
  start(): Promise<void>;
  /** kill -9: no graceful close, whatever it was doing is cut off. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface NodeSettings {
  databaseUrl: string;
  schema: string;
  redisUrl: string | undefined;
  redisPrefix: string;
  publicUrl: string;
  logDir: string;
}

export function createNode(
  index: number,
  port: number,
  settings: NodeSettings,
  label = `node-${index}`,
): NodeProcess {
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let killed = false;
  const log = createWriteStream(path.join(settings.logDir, `${label}.log`), { flags: 'a' });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Every node of one deployment has the same public URL: tokens name it as their issuer.
    SIGNOFF_PUBLIC_URL: settings.publicUrl,
    DATABASE_URL: settings.databaseUrl,
    SIGNOFF_DATABASE_SCHEMA: settings.schema,
    SIGNOFF_REDIS_PREFIX: settings.redisPrefix,
    SIGNOFF_BOOTSTRAP_POOL_ID: POOL_ID,
    SIGNOFF_BOOTSTRAP_POOL_SECRET: POOL_SECRET,
    // The harness's receiver listens on 127.0.0.1.
    SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: 'true',
    SIGNOFF_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'signoff-harness-data-')),
    LOG_LEVEL: 'warn',
  };
  if (settings.redisUrl) env.REDIS_URL = settings.redisUrl;
  else delete env.REDIS_URL;
  const node: NodeProcess = {
    index,
    port,
    url,
    get alive() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    crashed() {
      if (!child || killed || node.alive) return null;
      return child.signalCode ?? `exit ${child.exitCode}`;
    },
    async start() {
      killed = false;
      log.write(`\n--- start ${new Date().toISOString()}\n`);
      const c = spawn(process.execPath, ['src/main.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      c.stdout!.pipe(log, { end: false });
      c.stderr!.pipe(log, { end: false });
      await waitFor(
        `${label} ready`,
        async () => {
          if (c.exitCode !== null)
            throw new Error(`${label} exited with ${c.exitCode} (see ${settings.logDir})`);
          const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          return res.status === 200;
        },
        60_000,
        100,
      ).catch((error: unknown) => {
        if (c.exitCode !== null)
          throw new Error(`${label} exited with ${c.exitCode} (see ${settings.logDir})`);
        throw error;
      });
    },
    async kill9() {
      const c = child;
      if (!c || !node.alive) return;
      killed = true;
      c.kill('SIGKILL');
      await once(c, 'exit');
      log.write(`\n--- kill -9 ${new Date().toISOString()}\n`);
    },
    async stop() {
      const c = child;
      if (!c || !node.alive) return;
      killed = true;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await once(c, 'exit');
      clearTimeout(timer);
    },
  };
  return node;
}

export function newLogDir() {
  return mkdtempSync(path.join(tmpdir(), 'signoff-harness-'));
}
