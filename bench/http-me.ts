// Benchmark (b): GET /api/v2/users/me (token check + user read) against GET /health on the
// same server process, alternating runs of autocannon (its own process) so that noise hits
// both alike. The server runs as `npm start` runs it, on a fresh embedded store.
//
//   node bench/http-me.ts [--rounds 3] [--seconds 5] [--connections 50]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, printTable } from './measure.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    port: { type: 'string', default: '3917' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const base = `http://127.0.0.1:${values.port}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'signoff-bench-'));
const secret = 'bench-pool-secret-0123456789';

const server: ChildProcess = spawn(process.execPath, ['src/main.ts'], {
  cwd: root,
  env: {
    ...process.env,
    PORT: values.port,
    SIGNOFF_DATA_DIR: dataDir,
    SIGNOFF_BOOTSTRAP_POOL_ID: 'bench',
    SIGNOFF_BOOTSTRAP_POOL_SECRET: secret,
    LOG_LEVEL: 'warn',
  },
  stdio: 'ignore',
});
try {
  for (let i = 0; ; i++) {
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 100) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const call = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(base + url, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    const body = (await res.json()) as { data: Record<string, string> };
    return body.data;
  };
  const { accessToken } = await call(`/api/v2/userpools/accessToken?userPoolId=bench&secret=${secret}`);
  const admin = { authorization: `Bearer ${accessToken}`, 'x-authing-userpool-id': 'bench' };
  const app = await call('/api/v2/applications', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'bench' }),
  });
  await call('/api/v2/users', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
  });
  const { token } = await call('/api/v2/login/account', {
    method: 'POST',
    headers: { 'x-authing-app-id': app.id! },
    body: JSON.stringify({ account: 'bench', password: 'bench-password' }),
  });

  const autocannon = path.join(root, 'node_modules', '.bin', 'autocannon');
  const run = (url: string, headers: string[] = []) => {
    const out = execFileSync(
      process.execPath,
      [
        autocannon,
        '-j',
        '-c',
        values.connections,
        '-d',
        values.seconds,
        ...headers.flatMap((h) => ['-H', h]),
        url,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
    );
    const result = JSON.parse(out) as {
      requests: { average: number };
      non2xx: number;
      latency: { p99: number };
    };
    if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
    return result;
  };
  const health: number[] = [];
  const me: number[] = [];
  const p99: Record<string, number[]> = { health: [], me: [] };
  for (let r = 0; r < Number(values.rounds); r++) {
    const h = run(`${base}/health`);
    health.push(h.requests.average);
    p99.health!.push(h.latency.p99);
    const m = run(`${base}/api/v2/users/me`, [`authorization=Bearer ${token}`]);
    me.push(m.requests.average);
    p99.me!.push(m.latency.p99);
  }
  const ratio = median(me) / median(health);
  printTable(
    `HTTP throughput, autocannon -c ${values.connections} -d ${values.seconds}, median of ${values.rounds} alternating rounds`,
    ['route', 'req/s', 'p99 latency (ms)', 'vs /health'],
    [
      ['GET /health', Math.round(median(health)).toLocaleString('en'), String(median(p99.health!)), '1.000'],
      [
        'GET /api/v2/users/me',
        Math.round(median(me)).toLocaleString('en'),
        String(median(p99.me!)),
        ratio.toFixed(3),
      ],
    ],
  );
  console.log(`\nratio (/users/me / /health) = ${ratio.toFixed(3)} (target ≥ 0.50)`);
} finally {
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
