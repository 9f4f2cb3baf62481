// "Durable before acknowledged": a logout answered 200 holds after kill -9 and a restart,
// because the revocation index is rebuilt from the store at boot. Runs the real server
// process, as `npm start` does.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/server.ts';

const root = path.resolve(import.meta.dirname, '..');

async function startProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const url = `http://127.0.0.1:${env.PORT}/health`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${output}`);
}

describe('crash and restart (real process, embedded store)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'signoff-crash-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints generated credentials once, and a logged-out token stays refused after kill -9', async () => {
    const port = String(await freePort());
    const env = { PORT: port, SIGNOFF_DATA_DIR: dataDir, SIGNOFF_PUBLIC_URL: `http://127.0.0.1:${port}` };
    const first = await startProcess(env);
    child = first.child;
    const banner = first.output();
    const poolId = /user pool id\s+(\S+)/.exec(banner)?.[1];
    const secret = /user pool secret\s+(\S+)/.exec(banner)?.[1];
    expect(poolId).toBeDefined();
    expect(secret).toBeDefined();
    expect(banner).toMatch(/console password\s+\S+/);

    const base = `http://127.0.0.1:${port}`;
    const json = async (res: Response) => ({
      status: res.status,
      // biome-ignore lint/suspicious/noExplicitAny: ad-hoc JSON of a black-box process
      body: (await res.json()) as { code: number; data: Record<string, any> },
    });
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(base + url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).then(json);
    const admin = await post('/api/v2/userpools/accessToken', { userPoolId: poolId, secret });
    const headers = {
      authorization: `Bearer ${admin.body.data.accessToken}`,
      'x-authing-userpool-id': poolId!,
    };
    const app = await post('/api/v2/applications', { name: 'Crash app' }, headers);
    await post('/api/v2/users', { username: 'dora', password: 'password123' }, headers);
    const signIn = () =>
      post(
        '/api/v2/login/account',
        { account: 'dora', password: 'password123' },
        { 'x-authing-app-id': app.body.data.id },
      );
    const kept = (await signIn()).body.data.token as string;
    const revoked = (await signIn()).body.data.token as string;
    const me = (token: string) =>
      fetch(`${base}/api/v2/users/me`, { headers: { authorization: `Bearer ${token}` } }).then(json);

    expect((await post('/api/v2/logout', {}, { authorization: `Bearer ${revoked}` })).status).toBe(200);
    expect((await me(revoked)).status).toBe(401);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    const second = await startProcess(env);
    child = second.child;
    expect(second.output()).not.toMatch(/user pool secret/);
    const after = await me(revoked);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe(2020);
    expect((await me(kept)).status).toBe(200);
  });
});
