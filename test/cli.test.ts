// The `signoff` CLI, run as a user runs it: a separate process on the same store as a server.
// Sessions it ends go through the one session core: the audit trail says admin_logout by cli,
// and a running server refuses the tokens of those sessions (after its store poll without
// Redis, at once with it).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../src/bus/bus.ts';
import { createRedisBus } from '../src/bus/redis-bus.ts';
import { redisUrl } from './helpers/environment.ts';
import { getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'src', 'cli', 'main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line; `node` is the test's own Node (24 under vitest) or another entry such as bin/signoff.js. */
function run(
  entry: string,
  args: string[],
  options: { dataDir: string; input?: string; env?: Record<string, string> },
): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, SIGNOFF_DATA_DIR: options.dataDir };
  // The CLI reads the server's environment; none of the outer one may leak into these runs.
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'SIGNOFF_BOOTSTRAP_POOL_ID',
    'SIGNOFF_BOOTSTRAP_POOL_SECRET',
    'SIGNOFF_ADMIN_EMAIL',
    'SIGNOFF_ADMIN_PASSWORD',
  ]) {
    delete env[name];
  }
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'signoff-cli-'));

describe('signoff CLI: usage', () => {
  const dataDir = tempDir();
  const signoff = (...args: string[]) => run(CLI, args, { dataDir });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('help lists every command and exits 0', async () => {
    const help = await signoff('help');
    expect(help.code).toBe(0);
    for (const command of [
      'pools create',
      'pools list',
      'pools update',
      'apps create',
      'apps list',
      'users create',
      'users set-password',
      'sessions list',
      'sessions end',
      'keys rotate',
    ]) {
      expect(help.stdout).toContain(command);
    }
    expect((await signoff('--help')).stdout).toBe(help.stdout);
    const commandHelp = await signoff('sessions', 'end', '--help');
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toContain('--sid SID');
  });

  it('an unknown command exits 2 and names it', async () => {
    const result = await signoff('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stdout).toBe('');
  });

  it('a missing or unknown flag exits 2 naming the flag, without a stack trace or a store', async () => {
    const missing = await signoff('pools', 'create', '--json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--name is required');
    expect(missing.stderr).toContain('signoff pools create --help');
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const unknown = await signoff('apps', 'list', '--colour');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --colour');

    const badUri = await signoff(
      'apps',
      'create',
      '--name',
      'x',
      '--logout-redirect-uri',
      'javascript:alert(1)',
    );
    expect(badUri.code).toBe(2);
    expect(badUri.stderr).toContain(
      '--logout-redirect-uri "javascript:alert(1)" must not use the javascript: scheme',
    );

    const both = await signoff('sessions', 'end', '--user', 'u', '--sid', 's');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either --user or --sid');

    const signUp = await signoff('pools', 'update', '--sign-up', 'maybe');
    expect(signUp.code).toBe(2);
    expect(signUp.stderr).toContain('--sign-up must be on or off');
    expect((await signoff('pools', 'update')).stderr).toContain('--sign-up is required');

    // Usage is checked before the store is opened: a typo creates no database.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('a bad environment exits 78 naming the variable', async () => {
    const result = await run(CLI, ['pools', 'list'], { dataDir, env: { REDIS_URL: 'http://nope' } });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('REDIS_URL must start with redis:// or rediss://');
  });

  it('bin/signoff.js runs the CLI with the pinned Node and passes the exit code through', async () => {
    const launcher = path.join(ROOT, 'bin', 'signoff.js');
    const help = await run(launcher, ['help'], { dataDir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('sessions end');
    const bad = await run(launcher, ['frobnicate'], { dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('signoff CLI on a running server’s store', () => {
  const dataDir = tempDir();
  const signoff = (...args: string[]) => run(CLI, args, { dataDir });
  const signoffJSON = async (...args: string[]) => {
    const result = await signoff(...args, '--json');
    expect(result.stderr.replace(/^signoff: note: .*\n/gm, '')).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };
  let server: TestServer;
  let pool: { id: string; secret: string; default: boolean };
  let app: { id: string; secret: string };
  let user: { id: string; username: string };
  const password = 'correct horse battery';

  beforeAll(async () => {
    // The CLI creates the first pool of an empty store: it becomes the default pool, and a
    // server started afterwards serves it (its bootstrap creates no second pool).
    pool = await signoffJSON('pools', 'create', '--name', 'Acme');
    server = await startTestServer({ reuse: { dataDir, schema: undefined, postgresUrl: undefined } });
  });
  afterAll(() => server.close());

  const me = (token: string) => getMe(server, token);

  it('creates a pool, an app and a user that the server serves', async () => {
    expect(pool).toMatchObject({ id: expect.any(String), name: 'Acme', default: true });
    expect(pool.secret).toHaveLength(43);
    expect(server.services.defaultPoolId()).toBe(pool.id);
    expect(await signoffJSON('pools', 'list')).toEqual([
      { id: pool.id, name: 'Acme', createdAt: expect.any(String), default: true, signUpEnabled: false },
    ]);
    // The printed secret is the pool's: it buys a management token from the server.
    expect((await server.services.pools.issueAdminToken(pool.id, pool.secret)).ok).toBe(true);

    app = await signoffJSON(
      'apps',
      'create',
      '--name',
      'Web',
      '--redirect-uri',
      'https://web.example.com/callback',
      '--logout-redirect-uri',
      'https://web.example.com/bye',
      '--logout-redirect-uri',
      'https://web.example.com/bye2',
    );
    expect(app).toMatchObject({
      userPoolId: pool.id,
      name: 'Web',
      redirectUris: ['https://web.example.com/callback'],
      logoutRedirectUris: ['https://web.example.com/bye', 'https://web.example.com/bye2'],
      backchannelLogoutUri: null,
      tokenEndpointAuthMethod: 'client_secret_basic',
      secret: expect.any(String),
    });
    expect((await signoffJSON('apps', 'list')).map((a: { id: string }) => a.id)).toEqual([app.id]);

    const created = await run(
      CLI,
      [
        'users',
        'create',
        '--username',
        'alice',
        '--email',
        'Alice@Example.com',
        '--password-stdin',
        '--json',
      ],
      { dataDir, input: `${password}\n` },
    );
    expect(created.code).toBe(0);
    user = JSON.parse(created.stdout);
    expect(user).toMatchObject({ username: 'alice', email: 'alice@example.com', generatedPassword: null });

    const again = await signoff('users', 'create', '--username', 'alice', '--password', 'another password');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--username "alice" is already taken');

    // The password read from stdin (its newline dropped) signs in through the server's API.
    const { token } = await login(server, app.id, 'alice', password);
    expect((await me(token)).statusCode).toBe(200);
  });

  it('lists a user’s sessions and ends them all through the session core', async () => {
    const first = await login(server, app.id, 'alice', password);
    const second = await login(server, app.id, 'alice@example.com', password);

    const sessions = await signoffJSON('sessions', 'list', '--user', user.id);
    const sids = sessions.map((s: { sid: string }) => s.sid);
    expect(sids.length).toBeGreaterThanOrEqual(2);
    expect(sessions[0]).toMatchObject({
      userId: user.id,
      device: { browser: expect.stringMatching(/^Chrome/), os: 'Linux' },
      apps: [{ appId: app.id, endedAt: null }],
      endedAt: null,
    });
    const table = await signoff('sessions', 'list', '--user', user.id);
    expect(table.stdout).toMatch(/^SID\s+DEVICE\s+IP\s+APPS/);
    expect(table.stdout).toContain(`Web (${app.id})`);
    for (const sid of sids) expect(table.stdout).toContain(sid);

    const ended = await signoffJSON('sessions', 'end', '--user', user.id);
    expect(ended).toMatchObject({
      poolId: pool.id,
      userId: user.id,
      ended: sids.length,
      recordId: expect.any(String),
    });

    // The audit trail names the reason and the CLI as the actor.
    const audit = await server.store.audit.listSessionEnds(pool.id, 0, 10);
    expect(audit.list[0]).toMatchObject({
      id: ended.recordId,
      reason: 'admin_logout',
      actor: { type: 'admin', id: 'cli' },
      sessions: sids.length,
      apps: [app.id],
    });

    // No Redis: the server learns of the ends at its store poll (every 2 s when running).
    await server.services.revocationSync.poll();
    for (const { token } of [first, second]) {
      const refused = await me(token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toMatchObject({ code: 2020 });
    }
    expect(await signoffJSON('sessions', 'list', '--user', user.id)).toEqual([]);
    expect((await signoff('sessions', 'list', '--user', user.id)).stdout).toContain('has no live sessions');
  });

  it('ends one session by sid and leaves the others', async () => {
    const kept = await login(server, app.id, 'alice', password);
    const gone = await login(server, app.id, 'alice', password);
    const sids = (await signoffJSON('sessions', 'list', '--user', user.id)).map(
      (s: { sid: string }) => s.sid,
    );
    // The token carries its session id (`sid`); the CLI lists the same id.
    const check = server.services.tokens.verifyAccessToken(gone.token);
    if (!check.ok) throw new Error(`token: ${check.reason}`);
    const sid = check.claims.sessionId;
    expect(sids).toContain(sid);

    const text = await signoff('sessions', 'end', '--sid', sid);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Ended session ${sid}`);
    expect(text.stdout).toContain('store poll');

    await server.services.revocationSync.poll();
    expect((await me(gone.token)).statusCode).toBe(401);
    expect((await me(kept.token)).statusCode).toBe(200);

    // An ended session is no longer there to end.
    const again = await signoff('sessions', 'end', '--sid', sid);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`session "${sid}" not found`);
  });

  it("sets a user's password: their sessions end (or stay with --keep-sessions), the new one signs in", async () => {
    const bob = await signoffJSON('users', 'create', '--username', 'bob', '--password', password);
    const before = await login(server, app.id, 'bob', password);
    const input = 'a new passphrase for bob\n';
    const set = await run(CLI, ['users', 'set-password', '--user', bob.id, '--password-stdin', '--json'], {
      dataDir,
      input,
    });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ userId: bob.id, poolId: pool.id, sessionsEnded: 1 });
    await server.services.revocationSync.poll();
    expect((await me(before.token)).statusCode).toBe(401);
    const audit = await server.store.audit.listSessionEnds(pool.id, 0, 1);
    expect(audit.list[0]).toMatchObject({
      reason: 'admin_password_reset',
      actor: { type: 'admin', id: 'cli' },
    });
    await expect(login(server, app.id, 'bob', password)).rejects.toThrow();
    const after = await login(server, app.id, 'bob', 'a new passphrase for bob');

    const kept = await signoff(
      'users',
      'set-password',
      '--user',
      bob.id,
      '--password',
      'yet another one',
      '--keep-sessions',
    );
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(`New password set for user ${bob.id}: no session ended.`);
    await server.services.revocationSync.poll();
    expect((await me(after.token)).statusCode).toBe(200);

    const short = await signoff('users', 'set-password', '--user', bob.id, '--password', 'short');
    expect([short.code, short.stderr]).toEqual([
      2,
      expect.stringContaining('--password must be at least 8 characters'),
    ]);
    const missing = await signoff('users', 'set-password', '--user', bob.id);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringContaining('--password or --password-stdin is required'),
    ]);
    const nobody = await signoff(
      'users',
      'set-password',
      '--user',
      'no-such-user',
      '--password',
      'long enough here',
    );
    expect([nobody.code, nobody.stderr]).toEqual([
      1,
      expect.stringContaining('user "no-such-user" not found'),
    ]);
  });

  it('says what was not found with exit 1', async () => {
    const noSession = await signoff('sessions', 'end', '--sid', 'no-such-sid');
    expect(noSession.code).toBe(1);
    expect(noSession.stderr).toContain('session "no-such-sid" not found');
    const noUser = await signoff('sessions', 'end', '--user', 'no-such-user');
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toContain('user "no-such-user" not found');
    const noPool = await signoff('apps', 'list', '--pool', 'no-such-pool');
    expect(noPool.code).toBe(1);
    expect(noPool.stderr).toContain('user pool "no-such-pool" not found');
    expect(noPool.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps pools apart: --pool scopes apps, users and sessions', async () => {
    const other = await signoffJSON('pools', 'create', '--name', 'Other', '--id', 'other-pool');
    expect(other).toMatchObject({ id: 'other-pool', default: false });
    const otherApp = await signoffJSON('apps', 'create', '--pool', 'other-pool', '--name', 'Elsewhere');
    expect(
      (await signoffJSON('apps', 'list', '--pool', 'other-pool')).map((a: { id: string }) => a.id),
    ).toEqual([otherApp.id]);
    expect((await signoffJSON('apps', 'list')).map((a: { id: string }) => a.id)).toEqual([app.id]);
    // alice is a user of the default pool only.
    const elsewhere = await signoff('sessions', 'end', '--pool', 'other-pool', '--user', user.id);
    expect(elsewhere.code).toBe(1);
    const taken = await signoff('pools', 'create', '--name', 'Again', '--id', 'other-pool');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already exists');
  });

  it('says which kind of OIDC client an app is; --auth-method makes a public one', async () => {
    const spa = await signoff(
      'apps',
      'create',
      '--pool',
      'other-pool',
      '--name',
      'SPA',
      '--auth-method',
      'none',
    );
    expect(spa.code).toBe(0);
    expect(spa.stdout).toMatch(/client authentication\s+none \(public client: no secret, PKCE required\)/);
    expect((await signoff('apps', 'create', '--pool', 'other-pool', '--name', 'Web 2')).stdout).toMatch(
      /client authentication\s+client_secret_basic \(confidential client/,
    );
    const wrong = await signoff('apps', 'create', '--name', 'x', '--auth-method', 'client_secret_jwt');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      '--auth-method must be one of client_secret_basic, client_secret_post, none',
    );
  });

  it('turns self sign-up on and off for a pool; the running server follows at once', async () => {
    expect((await server.app.inject({ url: '/signup' })).statusCode).toBe(404);
    const on = await signoffJSON('pools', 'update', '--sign-up', 'on');
    expect(on).toMatchObject({ id: pool.id, signUpEnabled: true });
    // The server reads the setting from the store on every sign-up: no poll, no bus needed.
    expect((await server.app.inject({ url: '/signup' })).statusCode).toBe(200);
    const list = await signoff('pools', 'list');
    expect(list.stdout).toMatch(/^ID\s+NAME\s+CREATED\s+DEFAULT\s+SIGN-UP/);
    expect(list.stdout).toMatch(new RegExp(`${pool.id}\\s+Acme.*\\s+on$`, 'm'));
    // Another pool is not touched.
    expect(
      (await signoffJSON('pools', 'list')).find((p: { id: string }) => p.id === 'other-pool'),
    ).toMatchObject({
      signUpEnabled: false,
    });

    const off = await signoff('pools', 'update', '--sign-up', 'off');
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('sign-up');
    expect(off.stdout).toContain('off: only administrators create accounts');
    expect((await server.app.inject({ url: '/signup' })).statusCode).toBe(404);
    const missing = await signoff('pools', 'update', '--pool', 'no-such-pool', '--sign-up', 'on');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('user pool "no-such-pool" not found');
  });

  it('rotates a pool’s signing key', async () => {
    const rotated = await signoffJSON('keys', 'rotate');
    expect(rotated).toMatchObject({ poolId: pool.id, kid: expect.any(String), retired: expect.any(String) });
    const usable = await server.store.keys.listUsable(0);
    const ours = usable.filter((k) => k.poolId === pool.id);
    expect(ours.find((k) => k.kid === rotated.kid)?.retiredAt).toBeNull();
    expect(ours.find((k) => k.kid === rotated.retired)?.retiredAt).toEqual(expect.any(Number));
  });

  it('refuses a back-channel URI no notice could be delivered to, unless SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE is set', async () => {
    const args = ['apps', 'create', '--name', 'Internal', '--backchannel-logout-uri', 'http://10.0.0.1/bc'];
    const refused = await run(CLI, args, { dataDir, env: { SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: 'false' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '--backchannel-logout-uri "http://10.0.0.1/bc" points to 10.0.0.1, a loopback, private or link-local address: back-channel logout is never delivered there while SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE is off',
    );
    expect((await server.services.apps.list(pool.id)).map((a) => a.name)).not.toContain('Internal');

    const allowed = await run(CLI, [...args, '--json'], {
      dataDir,
      env: { SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE: 'true' },
    });
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({
      name: 'Internal',
      backchannelLogoutUri: 'http://10.0.0.1/bc',
    });
  });
});

const redis = redisUrl();

describe.skipIf(!redis)('signoff CLI with REDIS_URL', () => {
  const dataDir = tempDir();
  let server: TestServer;

  beforeAll(async () => {
    // The CLI publishes on the default channel; this server listens there, with its store
    // poll off (background: false), so only the bus can tell it.
    server = await startTestServer({
      reuse: { dataDir, schema: undefined, postgresUrl: undefined },
      bus: await createRedisBus(redis!),
    });
  });
  afterAll(async () => {
    await server.close();
    await server.bus.close();
  });

  it('a running server refuses the tokens as soon as the message lands, without polling', async () => {
    const env = { REDIS_URL: redis! };
    const json = async (...args: string[]) => {
      const result = await run(CLI, [...args, '--json'], { dataDir, env });
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout);
    };
    const app = await json('apps', 'create', '--pool', server.pool.id, '--name', 'Web');
    const user = await json('users', 'create', '--pool', server.pool.id, '--username', 'bob');
    const { token } = await login(server, app.id, 'bob', user.generatedPassword);
    const me = () =>
      server.app.inject({
        method: 'GET',
        url: '/api/v2/users/me',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await me()).statusCode).toBe(200);

    const arrived = new Promise<BusEvent>((resolve) => {
      const off = server.bus.subscribe((event) => {
        if (event.type === 'session.ended') {
          off();
          resolve(event);
        }
      });
    });
    const ended = await json('sessions', 'end', '--pool', server.pool.id, '--user', user.id);
    expect(ended.ended).toBe(1);
    expect(await arrived).toMatchObject({ reason: 'admin_logout', actor: { type: 'admin', id: 'cli' } });
    expect((await me()).statusCode).toBe(401);
  });
});
