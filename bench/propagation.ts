// Benchmark (g): how soon an app's API refuses a token after a logout. Signoff (`node
// src/main.ts`) and a resource server (bench/resource-server.ts: node:http with the SDK
// verifier's middleware, and beside it a plain jose + JWKS check of the same tokens) each run
// in their own process. For each of N sessions: the token is accepted by both routes; it is
// logged out through Signoff's API (POST /api/v2/logout); from the moment that answers 200,
// the verifier route is asked again and again until it refuses (401), and that time is
// recorded; then the jose route is asked once more.
//
//   node bench/propagation.ts [--logouts 1000] [--users 20] [--port 3919]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { machine, percentile, printTable } from './measure.ts';
import { PASSWORD, startSignoff } from './signoff-process.ts';

const { values } = parseArgs({
  options: {
    logouts: { type: 'string', default: '1000' },
    users: { type: 'string', default: '20' },
    port: { type: 'string', default: '3919' },
  },
});
const logouts = Number(values.logouts);
const BOUND_MS = 5000;

const signoff = await startSignoff({ port: Number(values.port) });
const resource = { child: null as ReturnType<typeof spawn> | null, url: '' };
try {
  const admin = await signoff.adminHeaders();
  const app = await signoff.call<{ id: string; secret: string }>('/api/v2/applications', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'orders-api' }),
  });
  const accounts = Array.from({ length: Number(values.users) }, (_, i) => `reader${i}`);
  for (const username of accounts) {
    await signoff.call('/api/v2/users', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ username, password: PASSWORD }),
    });
  }

  const child = spawn(process.execPath, ['bench/resource-server.ts'], {
    cwd: `${import.meta.dirname}/..`,
    env: { ...process.env, SIGNOFF_ISSUER: signoff.issuer, APP_ID: app.id, APP_SECRET: app.secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  resource.child = child;
  const [port] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
  resource.url = `http://127.0.0.1:${port.trim()}`;

  // The sessions, signed in beforehand (argon2id per sign-in: not what is measured).
  const tokens: string[] = [];
  for (let i = 0; i < logouts; i += 4) {
    const batch = Array.from({ length: Math.min(4, logouts - i) }, (_, k) =>
      signoff.login(app.id, accounts[(i + k) % accounts.length]!),
    );
    tokens.push(...(await Promise.all(batch)));
  }

  const ask = async (route: string, token: string) => {
    const res = await fetch(`${resource.url}${route}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  };

  const latencies: number[] = [];
  /** A valid token's ask at the verifier route: the floor under any refusal time measured here. */
  const asks: number[] = [];
  let firstProbe = 0;
  let joseAccepted = 0;
  let unrefused = 0;
  for (const token of tokens) {
    const asked = performance.now();
    if ((await ask('/verifier/me', token)) !== 200) throw new Error('a fresh token was refused');
    asks.push(performance.now() - asked);
    if ((await ask('/jose/me', token)) !== 200) throw new Error('a fresh token was refused (jose)');
    const out = await fetch(`${signoff.url}/api/v2/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const loggedOutAt = performance.now();
    if (out.status !== 200) throw new Error(`logout: ${out.status}`);
    await out.arrayBuffer();
    let probes = 0;
    for (;;) {
      probes++;
      const status = await ask('/verifier/me', token);
      const now = performance.now();
      if (status === 401) {
        latencies.push(now - loggedOutAt);
        if (probes === 1) firstProbe++;
        break;
      }
      if (now - loggedOutAt > BOUND_MS) {
        unrefused++;
        break;
      }
    }
    if ((await ask('/jose/me', token)) === 200) joseAccepted++;
  }

  console.log(`Machine: ${machine()}`);
  const ms = (v: number) => v.toFixed(1);
  printTable(
    `Logout → first refusal at a resource server, ${logouts.toLocaleString('en')} logouts (POST /api/v2/logout), Signoff and the API in their own processes`,
    ['route', 'refused', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'accepted after logout'],
    [
      [
        'SDK verifier (createTokenMiddleware)',
        `${latencies.length.toLocaleString('en')} / ${logouts.toLocaleString('en')} (${firstProbe.toLocaleString('en')} at the first ask)`,
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        ms(Math.max(...latencies)),
        `${unrefused} within ${BOUND_MS / 1000} s`,
      ],
      [
        'jose.jwtVerify + JWKS',
        '0',
        '—',
        '—',
        '—',
        `${joseAccepted.toLocaleString('en')} / ${logouts.toLocaleString('en')} (${((joseAccepted / logouts) * 100).toFixed(1)} %), until exp`,
      ],
    ],
  );
  console.log(
    `\nFor scale, one ask of the verifier route with a valid token (same run): p50 ${ms(percentile(asks, 50))} ms, p99 ${ms(percentile(asks, 99))} ms.`,
  );
  console.log(
    `p99 ${ms(percentile(latencies, 99))} ms (target ≤ 50 ms); jose + JWKS accepted ${((joseAccepted / logouts) * 100).toFixed(1)} % of the logged-out tokens`,
  );
} finally {
  if (resource.child && resource.child.exitCode === null) {
    resource.child.kill('SIGTERM');
    await once(resource.child, 'exit');
  }
  await signoff.stop();
}
