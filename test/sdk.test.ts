// The SDK (sdk/) against a real Signoff listening on loopback, over real HTTP: what an app
// using it would see. Plus static checks that the SDK stays browser-safe and documented.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationClient,
  type FetchLike,
  ManagementClient,
  SignoffError,
  SignoffErrorCode,
  type TokenStorage,
  type User,
} from '../sdk/src/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const SDK_SRC = path.resolve(import.meta.dirname, '../sdk/src');
const PASSWORD = 'correct horse battery';

/** A Storage double installed as `globalThis.localStorage`, as a browser has it. */
function installLocalStorage() {
  const items = new Map<string, string>();
  const storage: TokenStorage & { items: Map<string, string> } = {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
  Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true, writable: true });
  return {
    items,
    uninstall: () => Reflect.deleteProperty(globalThis, 'localStorage'),
  };
}

/** The SignoffError a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SignoffError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignoffError);
  return error as SignoffError;
}

describe('SDK against a real server', () => {
  let server: TestServer;
  let management: ManagementClient;
  let appId: string;

  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    management = new ManagementClient({
      host: server.url,
      userPoolId: server.pool.id,
      secret: server.pool.secret,
    });
    const app = await management.applications.create({
      name: 'SDK test app',
      logoutRedirectUris: ['https://app.example.com/bye'],
    });
    appId = app.id;
  });
  afterAll(() => server.close());

  const newUser = () => {
    const username = `sdk-${crypto.randomUUID().slice(0, 8)}`;
    return management.users.create({ username, email: `${username}@example.com`, password: PASSWORD });
  };
  /** One device: its own client, no storage, no cookie jar (Node's fetch keeps none). */
  const device = () => new AuthenticationClient({ host: server.url, appId, storage: null });

  describe('ManagementClient', () => {
    it("setPassword: the administrator's reset ends every session unless endSessions is false", async () => {
      const user = await newUser();
      const first = device();
      await first.login(user.username!, PASSWORD);
      const kept = await management.users.setPassword(user.id, 'set by the admin', { endSessions: false });
      expect(kept).toMatchObject({ user: { id: user.id }, ended: 0 });
      expect(await first.getCurrentUser()).toMatchObject({ id: user.id });

      const reset = await management.users.setPassword(user.id, 'set by the admin again');
      expect(reset.ended).toBe(1);
      expect(await rejection(first.getCurrentUser())).toMatchObject({ status: 401, code: 2020 });
      await device().login(user.username!, 'set by the admin again');
      const missing = await rejection(management.users.setPassword('no-such-user', 'whatever it is'));
      expect(missing).toMatchObject({ status: 404 });
    });

    it('creates, lists, reads, updates, rotates the secret of and deletes applications', async () => {
      const created = await management.applications.create({
        name: 'Shop',
        redirectUris: ['https://shop.example.com/callback'],
      });
      expect(created).toMatchObject({
        id: expect.any(String),
        secret: expect.any(String),
        userPoolId: server.pool.id,
        name: 'Shop',
        redirectUris: ['https://shop.example.com/callback'],
        logoutRedirectUris: [],
        backchannelLogoutUri: null,
      });

      const listed = await management.applications.list();
      expect(listed.map((a) => a.id)).toContain(created.id);
      expect(listed.find((a) => a.id === created.id)).not.toHaveProperty('secret');

      const got = await management.applications.get(created.id);
      expect(got).toMatchObject({ id: created.id, name: 'Shop' });
      expect(got).not.toHaveProperty('secret');

      const updated = await management.applications.update(created.id, {
        name: 'Shop 2',
        logoutRedirectUris: ['https://shop.example.com/bye'],
      });
      expect(updated).toMatchObject({ name: 'Shop 2', logoutRedirectUris: ['https://shop.example.com/bye'] });

      const invalid = await rejection(
        management.applications.update(created.id, { redirectUris: ['not a url'] }),
      );
      expect(invalid).toMatchObject({ status: 400, code: SignoffErrorCode.INVALID_REQUEST });
      expect(invalid.message).toContain('redirectUris');

      const rotated = await management.applications.rotateSecret(created.id);
      expect(rotated).toMatchObject({ id: created.id, name: 'Shop 2', secret: expect.any(String) });
      expect(rotated.secret).not.toBe(created.secret);

      await management.applications.delete(created.id);
      const gone = await rejection(management.applications.get(created.id));
      expect(gone).toMatchObject({ status: 404, code: 2011 });
    });

    it('creates, reads and deletes users; a taken username is a 409', async () => {
      const user = await newUser();
      expect(user).toMatchObject({ id: expect.any(String), userPoolId: server.pool.id, name: null });
      expect(user).not.toHaveProperty('password');
      expect(await management.users.get(user.id)).toEqual(user);

      const taken = await rejection(
        management.users.create({ username: user.username!, password: 'another password' }),
      );
      expect(taken).toMatchObject({ status: 409, code: SignoffErrorCode.CONFLICT });

      await management.users.delete(user.id);
      expect(await rejection(management.users.get(user.id))).toMatchObject({ status: 404, code: 2004 });
    });

    it("lists a user's sessions and ends one: that device's token is refused at once", async () => {
      const user = await newUser();
      const phone = device();
      const laptop = device();
      await phone.login(user.username!, PASSWORD);
      await laptop.login(user.email!, PASSWORD);

      const sessions = await management.users.listSessions(user.id);
      expect(sessions).toHaveLength(2);
      for (const s of sessions) {
        expect(s).toMatchObject({ userId: user.id, current: false, endedAt: null });
        expect(s.apps.map((a) => a.appId)).toEqual([appId]);
      }

      const [phoneSession] = await phone.listSessions().then((list) => list.filter((s) => s.current));
      const summary = await management.sessions.end(phoneSession!.sid);
      expect(summary).toMatchObject({ ended: 1, appSessions: 1 });

      expect(await rejection(phone.getCurrentUser())).toMatchObject({ status: 401, code: 2020 });
      expect((await laptop.getCurrentUser()).id).toBe(user.id);
      expect(await management.users.listSessions(user.id)).toHaveLength(1);

      // Ending it again: it is no longer a live session, like one that never was.
      const again = await rejection(management.sessions.end(phoneSession!.sid));
      expect(again).toMatchObject({ status: 404, code: SignoffErrorCode.SESSION_NOT_FOUND });
      const unknown = await rejection(management.sessions.end('no-such-session'));
      expect(unknown).toMatchObject({ status: 404, code: SignoffErrorCode.SESSION_NOT_FOUND });
    });

    it('a wrong secret or an unknown pool is a SignoffError, not a crash', async () => {
      const wrong = new ManagementClient({ host: server.url, userPoolId: server.pool.id, secret: 'nope' });
      expect(await rejection(wrong.applications.list())).toMatchObject({ status: 403, code: 1001 });
      const unknown = new ManagementClient({ host: server.url, userPoolId: 'no-such-pool', secret: 'x' });
      // Told apart from a wrong secret by nothing (issue 10): which pools exist is not for guessing.
      expect(await rejection(unknown.users.get('u'))).toMatchObject({ status: 403, code: 1001 });
    });

    it('works with an administrator token instead of the secret', async () => {
      const accessToken = await management.getAccessToken();
      const withToken = new ManagementClient({ host: server.url, userPoolId: server.pool.id, accessToken });
      expect((await withToken.applications.get(appId)).id).toBe(appId);

      const bad = new ManagementClient({
        host: server.url,
        userPoolId: server.pool.id,
        accessToken: 'x.y.z',
      });
      expect(await rejection(bad.applications.list())).toMatchObject({ status: 401, code: 2020 });
      expect(() => new ManagementClient({ host: server.url, userPoolId: server.pool.id } as never)).toThrow(
        TypeError,
      );
    });

    it('caches the admin token, shares one request between concurrent calls, renews it before exp', async () => {
      const tokenRequests: string[] = [];
      const counting: FetchLike = (url, init) => {
        if (new URL(url).pathname === '/api/v2/userpools/accessToken')
          tokenRequests.push(String(init.method));
        return fetch(url, init);
      };
      let now = Date.now();
      const client = new ManagementClient({
        host: server.url,
        userPoolId: server.pool.id,
        secret: server.pool.secret,
        fetch: counting,
        now: () => now,
      });
      await Promise.all([
        client.applications.list(),
        client.applications.get(appId),
        client.applications.list(),
      ]);
      await client.applications.list();
      // POST, so the secret never lands in a URL or an access log.
      expect(tokenRequests).toEqual(['POST']);

      // Two hours of admin token life (TEST_SETTINGS); half a minute before it ends, renew.
      now += (7200 - 30) * 1000;
      await client.applications.list();
      expect(tokenRequests).toHaveLength(2);
    });

    it('renews a refused admin token once and retries the call', async () => {
      let sabotage = true;
      const flaky: FetchLike = (url, init) => {
        const headers = new Headers(init.headers);
        if (sabotage && headers.has('authorization')) {
          sabotage = false;
          headers.set('authorization', 'Bearer not-a-valid-token');
          return fetch(url, { ...init, headers });
        }
        return fetch(url, init);
      };
      const client = new ManagementClient({
        host: server.url,
        userPoolId: server.pool.id,
        secret: server.pool.secret,
        fetch: flaky,
      });
      expect((await client.applications.get(appId)).id).toBe(appId);
      expect(sabotage).toBe(false);
    });
  });

  describe('AuthenticationClient', () => {
    it('updatePassword ends the other devices, keeps this one, and the new password signs in', async () => {
      const user = await newUser();
      const laptop = device();
      const phone = device();
      await laptop.login(user.username!, PASSWORD);
      const { token: phoneToken } = await phone.login(user.username!, PASSWORD);

      const wrong = await rejection(laptop.updatePassword('a new passphrase', 'not the password'));
      expect(wrong).toMatchObject({ status: 401, code: 4010 });

      const change = await laptop.updatePassword('a new passphrase', PASSWORD);
      expect(change).toMatchObject({ user: { id: user.id }, ended: 1, changeId: expect.any(String) });
      expect(await laptop.getCurrentUser()).toMatchObject({ id: user.id });
      phone.setToken(phoneToken);
      expect(await rejection(phone.getCurrentUser())).toMatchObject({ status: 401, code: 2020 });
      expect(await rejection(device().login(user.username!, PASSWORD))).toMatchObject({ code: 4010 });
      await device().login(user.username!, 'a new passphrase');
    });

    it('registerByEmail: refused while the pool has sign-up off, then signs up and the account signs in', async () => {
      const email = `new-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const off = await rejection(device().registerByEmail(email, PASSWORD));
      expect(off).toMatchObject({ status: 403, code: 4031 });

      await server.services.pools.updateSettings(server.pool.id, { signUpEnabled: true });
      try {
        const user = await device().registerByEmail(email, PASSWORD, { name: 'Ada' });
        expect(user).toMatchObject({ email, name: 'Ada' });
        expect(await rejection(device().registerByEmail(email, PASSWORD))).toMatchObject({
          status: 409,
          code: 4090,
        });
        expect((await device().login(email, PASSWORD)).user.id).toBe(user.id);
      } finally {
        await server.services.pools.updateSettings(server.pool.id, { signUpEnabled: false });
      }
    });

    it('login → getCurrentUser → listSessions → logout; the token is refused from then on', async () => {
      const user = await newUser();
      const auth = device();
      const login = await auth.login(user.username!, PASSWORD);
      expect(login).toMatchObject({ user: { id: user.id }, token: expect.any(String) });
      expect(new Date(login.expiresAt).getTime()).toBeGreaterThan(Date.now());
      expect(auth.getToken()).toBe(login.token);

      const me: User = await auth.getCurrentUser();
      expect(me).toEqual(user);

      const sessions = await auth.listSessions();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({ userId: user.id, current: true, endedAt: null });
      expect(sessions[0]!.apps.map((a) => a.appId)).toEqual([appId]);

      const out = await auth.logout();
      expect(out).toEqual({
        user: me,
        token: login.token,
        scope: 'local',
        ended: 1,
        status: 200,
        statusText: 'OK',
        error: null,
      });
      expect(auth.getToken()).toBeNull();

      // The very token, presented again, is refused: a real logout, not a forgotten token.
      auth.setToken(login.token);
      const refused = await rejection(auth.getCurrentUser());
      expect(refused).toMatchObject({ name: 'SignoffError', status: 401, code: 2020 });
      expect(await management.users.listSessions(user.id)).toEqual([]);
    });

    it('logout of a token already logged out answers {error, status: 401} without throwing', async () => {
      const user = await newUser();
      const auth = device();
      const { token } = await auth.login(user.username!, PASSWORD);
      await auth.logout();

      auth.setToken(token);
      const again = await auth.logout();
      expect(again).toMatchObject({ user: null, token: null, status: 401, statusText: 'Unauthorized' });
      expect(again.error).toBeInstanceOf(SignoffError);
      expect(again.error).toMatchObject({ status: 401, code: 2020 });

      const anonymous = await device().logout();
      expect(anonymous).toMatchObject({ status: 401, error: { code: 2020 } });
    });

    it("logout({scope: 'others'}) ends the other devices and keeps this session and its token", async () => {
      const user = await newUser();
      const laptop = device();
      const phone = device();
      const tablet = device();
      for (const d of [laptop, phone, tablet]) await d.login(user.username!, PASSWORD);

      const out = await laptop.logout({ scope: 'others' });
      expect(out).toMatchObject({
        error: null,
        status: 200,
        scope: 'others',
        ended: 2,
        user: { id: user.id },
      });
      expect(laptop.getToken()).not.toBeNull();
      expect((await laptop.getCurrentUser()).id).toBe(user.id);
      for (const d of [phone, tablet]) {
        expect(await rejection(d.getCurrentUser())).toMatchObject({ code: 2020 });
      }
      const left = await laptop.listSessions();
      expect(left.map((s) => s.current)).toEqual([true]);
    });

    it("logout({scope: 'global'}) ends every session, this one included", async () => {
      const user = await newUser();
      const laptop = device();
      const phone = device();
      await laptop.login(user.username!, PASSWORD);
      await phone.login(user.username!, PASSWORD);
      const laptopToken = laptop.getToken();

      const out = await laptop.logout({ scope: 'global' });
      expect(out).toMatchObject({ error: null, scope: 'global', ended: 2, token: laptopToken });
      expect(laptop.getToken()).toBeNull();
      expect(await rejection(phone.getCurrentUser())).toMatchObject({ code: 2020 });
      laptop.setToken(laptopToken);
      expect(await rejection(laptop.getCurrentUser())).toMatchObject({ code: 2020 });
    });

    it('endSession ends another device, or this one (then the token is forgotten)', async () => {
      const user = await newUser();
      const laptop = device();
      const phone = device();
      await laptop.login(user.username!, PASSWORD);
      await phone.login(user.username!, PASSWORD);

      const other = (await laptop.listSessions()).find((s) => !s.current)!;
      expect(await laptop.endSession(other.sid)).toEqual({ ended: 1 });
      expect(await rejection(phone.getCurrentUser())).toMatchObject({ code: 2020 });
      expect(laptop.getToken()).not.toBeNull();

      const missing = await rejection(laptop.endSession(other.sid));
      expect(missing).toMatchObject({ status: 404, code: SignoffErrorCode.SESSION_NOT_FOUND });

      const mine = (await laptop.listSessions()).find((s) => s.current)!;
      await laptop.endSession(mine.sid);
      expect(laptop.getToken()).toBeNull();
    });

    it('a wrong password or an unknown app is a SignoffError; nothing is saved', async () => {
      const user = await newUser();
      const auth = device();
      expect(await rejection(auth.login(user.username!, 'wrong password'))).toMatchObject({
        status: 401,
        code: SignoffErrorCode.WRONG_CREDENTIALS,
      });
      expect(auth.getToken()).toBeNull();
      const noApp = new AuthenticationClient({ host: server.url, appId: 'no-such-app', storage: null });
      expect(await rejection(noApp.login(user.username!, PASSWORD))).toMatchObject({
        status: 404,
        code: 2011,
      });
    });

    it('sends the app and pool headers, and credentials: include for the SSO cookie', async () => {
      const user = await newUser();
      const seen: RequestInit[] = [];
      const spying: FetchLike = (url, init) => {
        seen.push(init);
        return fetch(url, init);
      };
      const auth = new AuthenticationClient({
        host: `${server.url}/`,
        appId,
        userPoolId: server.pool.id,
        storage: null,
        fetch: spying,
      });
      await auth.login(user.username!, PASSWORD);
      await auth.getCurrentUser();
      const [login, me] = seen.map((init) => new Headers(init.headers));
      expect(login!.get('x-authing-app-id')).toBe(appId);
      expect(login!.get('x-authing-userpool-id')).toBe(server.pool.id);
      expect(login!.get('authorization')).toBeNull();
      expect(me!.get('authorization')).toBe(`Bearer ${auth.getToken()}`);
      expect(seen.every((init) => init.credentials === 'include')).toBe(true);

      // A token of this pool, presented as another pool's, is refused.
      const otherPool = new AuthenticationClient({
        host: server.url,
        appId,
        userPoolId: 'another-pool',
        storage: null,
        token: auth.getToken()!,
      });
      expect(await rejection(otherPool.getCurrentUser())).toMatchObject({ code: 2020 });
    });

    it('an unreachable server: logout answers status 0 with an error, other calls throw', async () => {
      const nowhere = new AuthenticationClient({
        host: 'http://127.0.0.1:1',
        appId,
        storage: null,
        token: 'x',
      });
      const out = await nowhere.logout();
      expect(out).toMatchObject({ user: null, token: null, status: 0, statusText: '' });
      expect(out.error).toMatchObject({ status: 0, code: SignoffErrorCode.UNKNOWN });
      expect(nowhere.getToken()).toBe('x');
      expect(await rejection(nowhere.getCurrentUser())).toMatchObject({ status: 0, code: 0 });
    });

    it('in a browser: saves the token in localStorage, reads it after a reload, removes it on logout', async () => {
      const browser = installLocalStorage();
      try {
        const user = await newUser();
        const tab = new AuthenticationClient({ host: server.url, appId });
        const { token } = await tab.login(user.username!, PASSWORD);
        expect(browser.items.get('signoff_token')).toBe(token);

        // A page reload: a new client finds the saved token.
        const reloaded = new AuthenticationClient({ host: server.url, appId });
        expect(reloaded.getToken()).toBe(token);
        expect((await reloaded.getCurrentUser()).id).toBe(user.id);

        // 'others' leaves this session signed in: the token stays saved.
        expect((await reloaded.logout({ scope: 'others' })).error).toBeNull();
        expect(browser.items.get('signoff_token')).toBe(token);

        const out = await reloaded.logout();
        expect(out).toMatchObject({ error: null, status: 200, token });
        expect(browser.items.has('signoff_token')).toBe(false);
        expect(new AuthenticationClient({ host: server.url, appId }).getToken()).toBeNull();

        // A failed logout removes nothing.
        browser.items.set('signoff_token', token);
        const failed = await new AuthenticationClient({ host: server.url, appId }).logout();
        expect(failed).toMatchObject({ status: 401, error: { code: 2020 } });
        expect(browser.items.get('signoff_token')).toBe(token);

        // A custom key, and storage: null keeps localStorage out of it.
        browser.items.clear();
        const custom = new AuthenticationClient({ host: server.url, appId, storageKey: 'my_app_token' });
        await custom.login(user.username!, PASSWORD);
        expect([...browser.items.keys()]).toEqual(['my_app_token']);
        await device().login(user.username!, PASSWORD);
        expect([...browser.items.keys()]).toEqual(['my_app_token']);
      } finally {
        browser.uninstall();
      }
      expect('localStorage' in globalThis).toBe(false);
    });
  });
});

describe('SDK source', () => {
  const files = readdirSync(SDK_SRC).filter((f) => f.endsWith('.ts'));
  const parse = (file: string) =>
    ts.createSourceFile(file, readFileSync(path.join(SDK_SRC, file), 'utf8'), ts.ScriptTarget.Latest, true);

  it('uses no Node.js-only API: no node: imports, process, Buffer, require, __dirname', () => {
    expect(files.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const file of files) {
      // Tokens, not text: a TSDoc example may mention process.env for server-side use.
      const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard);
      scanner.setText(readFileSync(path.join(SDK_SRC, file), 'utf8'));
      for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
        const text = scanner.getTokenValue();
        if (kind === ts.SyntaxKind.StringLiteral && /^node:/.test(text)) found.push(`${file}: '${text}'`);
        if (
          kind === ts.SyntaxKind.Identifier &&
          ['process', 'Buffer', 'require', '__dirname', '__filename', 'global'].includes(text)
        ) {
          found.push(`${file}: ${text}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('type-checks as a browser sees it: DOM and ES2022 libs, no @types/node', () => {
    const tsc = path.resolve(import.meta.dirname, '../node_modules/typescript/bin/tsc');
    const run = () =>
      execFileSync(process.execPath, [tsc, '-p', path.resolve(SDK_SRC, '../tsconfig.json')], {
        encoding: 'utf8',
      });
    expect(run).not.toThrow();
  }, 90_000);

  it('documents every export with TSDoc and an @example', () => {
    const undocumented: string[] = [];
    for (const file of files) {
      const source = parse(file);
      for (const statement of source.statements) {
        if (ts.isExportDeclaration(statement)) continue; // re-exports: documented where declared
        const exported = ts.canHaveModifiers(statement)
          ? ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
          : false;
        if (!exported) continue;
        const docs = ts
          .getJSDocCommentsAndTags(statement)
          .map((d) => d.getText())
          .join('\n');
        const name =
          (statement as { name?: ts.Identifier }).name?.text ??
          (ts.isVariableStatement(statement)
            ? statement.declarationList.declarations[0]!.name.getText()
            : '?');
        if (!docs.includes('@example')) undocumented.push(`${file}: ${name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
