// A real Signoff for the benchmarks that need one over HTTP: `node src/main.ts` in its own
// process, as `npm start` runs it, on a data directory the caller may have seeded, with the
// pool and secret given here; and the few API calls the benchmarks make.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BENCH_POOL = 'bench';
export const BENCH_SECRET = 'bench-pool-secret-0123456789';
export const PASSWORD = 'bench-password';

export interface SignoffProcess {
  url: string;
  /** The default pool's OIDC issuer. */
  issuer: string;
  dataDir: string;
  /** A management or end-user API call; the `data` of the answer, or a thrown error. */
  call<T = Record<string, unknown>>(route: string, init?: RequestInit): Promise<T>;
  adminHeaders(): Promise<Record<string, string>>;
  /** Signs a user in to an app (REST): its access token. */
  login(appId: string, account: string): Promise<string>;
  stop(): Promise<void>;
}

export function newDataDir() {
  return mkdtempSync(path.join(tmpdir(), 'signoff-bench-'));
}

export async function startSignoff(options: { port: number; dataDir?: string }): Promise<SignoffProcess> {
  const root = path.resolve(import.meta.dirname, '..');
  const dataDir = options.dataDir ?? newDataDir();
  const url = `http://127.0.0.1:${options.port}`;
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(options.port),
      SIGNOFF_PUBLIC_URL: url,
      SIGNOFF_DATA_DIR: dataDir,
      SIGNOFF_BOOTSTRAP_POOL_ID: BENCH_POOL,
      SIGNOFF_BOOTSTRAP_POOL_SECRET: BENCH_SECRET,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 200 || child.exitCode !== null) throw new Error('Signoff did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  async function call<T>(route: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(url + route, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    const body = (await res.json()) as { code: number; message: string; data: T };
    if (!res.ok || body.code !== 200) throw new Error(`${route}: ${res.status} ${body.message}`);
    return body.data;
  }
  let admin: Record<string, string> | null = null;
  return {
    url,
    issuer: `${url}/oidc`,
    dataDir,
    call,
    async adminHeaders() {
      if (!admin) {
        const { accessToken } = await call<{ accessToken: string }>('/api/v2/userpools/accessToken', {
          method: 'POST',
          body: JSON.stringify({ userPoolId: BENCH_POOL, secret: BENCH_SECRET }),
        });
        admin = { authorization: `Bearer ${accessToken}`, 'x-authing-userpool-id': BENCH_POOL };
      }
      return admin;
    },
    async login(appId, account) {
      const { token } = await call<{ token: string }>('/api/v2/login/account', {
        method: 'POST',
        headers: { 'x-authing-app-id': appId },
        body: JSON.stringify({ account, password: PASSWORD }),
      });
      return token;
    },
    stop,
  };
}
