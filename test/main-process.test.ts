// The real server process (`node src/main.ts`, and `npm start`): exit codes an operator or a
// supervisor acts on, signals, the port taken on a first start, and a PostgreSQL schema per
// deployment. See docs/operations.md#exit-codes.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from './helpers/environment.ts';
import { freePort } from './helpers/server.ts';

const root = path.resolve(import.meta.dirname, '..');
const pgUrl = postgresUrl();
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'signoff-main-'));
  dirs.push(dir);
  return dir;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the server as `npm start` does (or npm itself), with only the given environment on top. */
function start(env: Record<string, string>, command: 'node' | 'npm' = 'node'): Run {
  // A clean environment: nothing of the developer's own Signoff settings.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(SIGNOFF_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/.test(k),
    ),
  );
  const child =
    command === 'node'
      ? spawn(process.execPath, ['src/main.ts'], { cwd: root, env: { ...base, ...env } })
      : spawn('npm', ['start', '--silent'], { cwd: root, env: { ...base, ...env } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function untilHealthy(run: Run, port: string) {
  for (let i = 0; i < 300; i++) {
    if (run.child.exitCode !== null) throw new Error(`server exited: ${run.stdout()}${run.stderr()}`);
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
    if (res?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${run.stdout()}${run.stderr()}`);
}

/** The one line a start that failed wrote on stderr, checked to carry no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('start-up exits', () => {
  it('PostgreSQL unreachable: 69 (EX_UNAVAILABLE), one line naming DATABASE_URL and the cause', async () => {
    const run = start({
      SIGNOFF_DATA_DIR: dataDir(),
      PORT: String(await freePort()),
      DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/x',
    });
    expect(await run.exited).toEqual({ code: 69, signal: null });
    const line = oneLine(run.stderr());
    expect(line).toMatch(
      /^signoff: cannot reach PostgreSQL at DATABASE_URL \(127\.0\.0\.1:1\): .*ECONNREFUSED/,
    );
    expect(line).not.toContain('hunter2');
  });

  it('Redis unreachable: 69, one line naming REDIS_URL and the cause', async () => {
    const run = start({
      SIGNOFF_DATA_DIR: dataDir(),
      PORT: String(await freePort()),
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(await run.exited).toEqual({ code: 69, signal: null });
    expect(oneLine(run.stderr())).toMatch(
      /^signoff: cannot reach Redis at REDIS_URL \(127\.0\.0\.1:1\): .*ECONNREFUSED/,
    );
  });

  it('a bad variable: 78 (EX_CONFIG), one line naming it', async () => {
    const run = start({ SIGNOFF_DATA_DIR: dataDir(), SIGNOFF_DATABASE_SCHEMA: 'Robert;drop' });
    expect(await run.exited).toEqual({ code: 78, signal: null });
    expect(oneLine(run.stderr())).toMatch(/^signoff: configuration error: SIGNOFF_DATABASE_SCHEMA /);
  });

  it('the port taken on a first start: exits 1 before creating the pool or printing its secrets', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as { port: number }).port);
    const dir = dataDir();
    try {
      const run = start({ SIGNOFF_DATA_DIR: dir, PORT: port });
      expect(await run.exited).toEqual({ code: 1, signal: null });
      expect(oneLine(run.stderr())).toMatch(
        new RegExp(`^signoff: cannot listen on 127\\.0\\.0\\.1:${port} \\(HOST, PORT\\): .*EADDRINUSE`),
      );
      expect(run.stdout()).not.toMatch(/secret|password/i);
      const db = new DatabaseSync(path.join(dir, 'signoff.db'));
      try {
        expect(db.prepare('SELECT count(*) AS n FROM pools').get()).toEqual({ n: 0 });
        expect(db.prepare('SELECT count(*) AS n FROM admins').get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    } finally {
      taken.close();
    }
  });
});

describe('signals', () => {
  it('SIGTERM: stops accepting, closes everything and exits 0; /ready and process metrics before', async () => {
    const port = String(await freePort());
    const run = start({ SIGNOFF_DATA_DIR: dataDir(), PORT: port, LOG_LEVEL: 'info' });
    await untilHealthy(run, port);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics).toMatch(/^signoff_http_requests_total\{method="GET",route="\/ready",status="200"\} 1$/m);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('"msg":"shutting down"');
    expect(run.stderr()).toBe('');
  });

  it('`npm start` passes SIGTERM on to the server: npm and the server both stop, exit 0', async () => {
    const port = String(await freePort());
    const run = start({ SIGNOFF_DATA_DIR: dataDir(), PORT: port, LOG_LEVEL: 'info' }, 'npm');
    await untilHealthy(run, port);
    const serverPid = Number(/"pid":(\d+).*"msg":"signoff is listening"/.exec(run.stdout())?.[1]);
    expect(serverPid).toBeGreaterThan(0);
    try {
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.stdout()).toContain('"signal":"SIGTERM","msg":"shutting down"');
      // Not left behind without its parent: the port is free and the process gone.
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      expect(() => process.kill(serverPid, 0)).toThrow();
    } finally {
      try {
        process.kill(serverPid, 'SIGKILL');
      } catch {}
    }
  });
});

describe.skipIf(!pgUrl)('SIGNOFF_DATABASE_SCHEMA (PostgreSQL)', () => {
  it('two deployments on one database, each in its own schema, created at the first start', async () => {
    const tag = randomBytes(4).toString('hex');
    const deployments = [
      { schema: `ops_a_${tag}`, pool: `pool-a-${tag}` },
      { schema: `ops_b_${tag}`, pool: `pool-b-${tag}` },
    ];
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      // Side by side: both running at once.
      const runs = await Promise.all(
        deployments.map(async ({ schema, pool }) => {
          const port = String(await freePort());
          const run = start({
            SIGNOFF_DATA_DIR: dataDir(),
            PORT: port,
            DATABASE_URL: pgUrl!,
            SIGNOFF_DATABASE_SCHEMA: schema,
            SIGNOFF_BOOTSTRAP_POOL_ID: pool,
            LOG_LEVEL: 'warn',
          });
          await untilHealthy(run, port);
          return run;
        }),
      );
      for (const { schema, pool } of deployments) {
        const tables = await client.query(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
          [schema],
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual(
          expect.arrayContaining(['pools', 'sessions', 'notices', 'schema_migrations']),
        );
        const pools = await client.query(`SELECT id FROM ${schema}.pools`);
        expect(pools.rows).toEqual([{ id: pool }]);
      }
      for (const run of runs) run.child.kill('SIGTERM');
      for (const run of runs) expect(await run.exited).toEqual({ code: 0, signal: null });
    } finally {
      for (const { schema } of deployments) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
