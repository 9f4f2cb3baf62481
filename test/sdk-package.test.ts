// The SDK as a package (issue 11): sdk/ packed with `npm pack` and installed from the tarball
// into a project of its own, then used by its name — `@signoff/sdk` — as apps use it:
//
// - from plain JavaScript on the machine's own Node.js 20 (not the Node.js 24 the repository
//   runs on), against a listening Signoff: sign-in, sessions, logout, the token verifier and its
//   middleware;
// - from a page bundled with esbuild for browsers, served from another origin, in Chromium;
// - from TypeScript, with the package's .d.ts alone (no @types/node, no library check skipped).
//
// The project holds the tarball's files and jose (from the npm cache or registry), nothing of
// the repository, so the package's exports map, files list and dependencies are what is tested.
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, launchChromium, useIsolatedPages } from './helpers/browser.ts';
import { createAppAndUser, getMe, startTestServer, type TestServer } from './helpers/server.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('..', import.meta.url));
const SDK = path.join(REPO, 'sdk');
const FIXTURE = fileURLToPath(new URL('./fixtures/sdk-package/', import.meta.url));
const TSC = path.join(REPO, 'node_modules/typescript/bin/tsc');
const SDK_VERSION = JSON.parse(readFileSync(path.join(SDK, 'package.json'), 'utf8')).version as string;

/**
 * The environment for npm and the programs run in the project: this process's, less what npm
 * (running this test) and Vitest put there for their own children.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_OPTIONS$|VITEST|TEST$)/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * The machine's own Node.js: the first `node` on PATH outside any node_modules (the
 * repository's scripts run the Node.js 24 of node_modules/node), or SIGNOFF_TEST_NODE20.
 * Undefined, with a note, when there is none or it is not version 20 — a failure under CI=true.
 */
function systemNode20(): string | undefined {
  let found = process.env.SIGNOFF_TEST_NODE20;
  if (!found) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const candidate = path.join(dir, 'node');
      if (!dir || dir.split(path.sep).includes('node_modules') || !existsSync(candidate)) continue;
      if (realpathSync(candidate).split(path.sep).includes('node_modules')) continue;
      found = candidate;
      break;
    }
  }
  let version: string | undefined;
  try {
    if (found) version = execFileSync(found, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a program that runs: said below.
  }
  if (version?.startsWith('20.')) return found;
  const why = found
    ? `${found} is ${version ? `Node.js ${version}` : 'not a Node.js that runs'}, not 20 (set SIGNOFF_TEST_NODE20 to a Node.js 20)`
    : 'no node on PATH outside node_modules (set SIGNOFF_TEST_NODE20 to a Node.js 20)';
  if (process.env.CI === 'true') throw new Error(`Node.js 20 is required under CI=true: ${why}`);
  console.warn(`[skip] the packed SDK on Node.js 20: ${why}`);
  return undefined;
}
const node20 = systemNode20();

/**
 * A TypeScript app against the package's declarations: the exports resolve by the package's
 * name, and the middlewares' request and reply types are structural (no @types/node needed).
 * Here rather than a fixture file, which the repository's own type-check would include.
 */
const TYPED_APP = `import {
  type AccessTokenClaims,
  type AuthenticatedRequest,
  AuthenticationClient,
  createFastifyTokenHook,
  createTokenMiddleware,
  createTokenVerifier,
  type FastifyReplyLike,
  ManagementClient,
  type NodeResponseLike,
  SignoffError,
  SignoffErrorCode,
  type TokenVerification,
  type User,
} from '@signoff/sdk';

export async function signIn(host: string, appId: string): Promise<User | null> {
  const auth = new AuthenticationClient({ host, appId, storage: null });
  try {
    return (await auth.login('ada', 'correct horse battery')).user;
  } catch (error) {
    if (error instanceof SignoffError && error.code === SignoffErrorCode.WRONG_CREDENTIALS) return null;
    throw error;
  }
}

export async function applications(host: string, userPoolId: string, secret: string): Promise<string[]> {
  const management = new ManagementClient({ host, userPoolId, secret });
  return (await management.applications.list()).map((app) => app.name);
}

export async function guard(issuer: string, clientId: string, clientSecret: string, token: string) {
  const verifier = await createTokenVerifier({ issuer, clientId, clientSecret });
  const result: TokenVerification = await verifier.verify(token);
  const subject: string | null = result.ok ? (result.claims satisfies AccessTokenClaims).sub : null;

  // Any request and response with these members fit, as Node's and Fastify's do.
  const req: AuthenticatedRequest = { headers: { authorization: 'Bearer ' + token } };
  const res: NodeResponseLike = { statusCode: 200, setHeader: () => undefined, end: () => undefined };
  await createTokenMiddleware(verifier)(req, res, () => undefined);
  const reply: FastifyReplyLike = { code: () => reply, header: () => reply, send: () => reply };
  await createFastifyTokenHook(verifier)(req, reply);
  await verifier.close();
  return { subject, auth: req.auth?.sid };
}
`;

/** The files a build read, relative to the project. */
const readBy = (metafile: Metafile) => Object.keys(metafile.inputs);
/** The files whose code is in a build's output (what tree shaking left), relative to the project. */
const bundledBy = (metafile: Metafile) =>
  Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, used]) => used.bytesInOutput > 0)
      .map(([input]) => input),
  );

describe('the SDK as a package', () => {
  let work: string;
  let project: string;
  let tarball: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'signoff-sdk-package-'));
    const packs = path.join(work, 'packs');
    project = path.join(work, 'app');
    cpSync(FIXTURE, project, { recursive: true });
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'sdk-package-test-app', private: true, type: 'module' }),
    );
    mkdirSync(packs);
    // `npm pack` runs the package's prepack script: the build into sdk/dist.
    await run('npm', ['pack', '--pack-destination', packs], { cwd: SDK, env: cleanEnv(), encoding: 'utf8' });
    tarball = path.join(packs, readdirSync(packs).find((f) => f.endsWith('.tgz'))!);
    await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: project,
      env: cleanEnv(),
      encoding: 'utf8',
    });
  }, 180_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs built ES modules with their declarations, the README and package.json, nothing else', async () => {
    expect(path.basename(tarball)).toBe(`signoff-sdk-${SDK_VERSION}.tgz`);
    const { stdout } = await run('tar', ['-tzf', tarball], { encoding: 'utf8' });
    const files = stdout.trim().split('\n').sort();
    const sources = readdirSync(path.join(SDK, 'src')).filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(
      [
        'package/README.md',
        'package/package.json',
        ...sources.flatMap((f) => [
          `package/dist/${f.replace(/\.ts$/, '.js')}`,
          `package/dist/${f.replace(/\.ts$/, '.d.ts')}`,
        ]),
      ].sort(),
    );
    const installed = path.join(project, 'node_modules/@signoff/sdk');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: '@signoff/sdk',
      type: 'module',
      sideEffects: false,
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    });
    expect(Object.keys(manifest.dependencies)).toEqual(['jose']);
    // Relative imports point at the built files, in the modules and in the declarations.
    for (const file of readdirSync(path.join(installed, 'dist'))) {
      const code = readFileSync(path.join(installed, 'dist', file), 'utf8').replace(
        /\/\*\*[\s\S]*?\*\//g,
        '',
      );
      expect(code, file).not.toMatch(/from ['"]\.[^'"]*\.ts['"]/);
    }
    // The TSDoc travels with the declarations, examples naming the package.
    const declarations = readFileSync(path.join(installed, 'dist/authentication-client.d.ts'), 'utf8');
    expect(declarations).toContain('@example');
    expect(declarations).toContain("from '@signoff/sdk'");
  });

  it('type-checks a TypeScript app against the declarations alone (no @types/node, skipLibCheck off)', async () => {
    for (const resolution of [
      { module: 'nodenext', moduleResolution: 'nodenext' },
      { module: 'esnext', moduleResolution: 'bundler' },
    ]) {
      await writeFile(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...resolution,
            target: 'es2022',
            lib: ['es2022', 'dom'],
            types: [],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
          },
          files: ['typed-app.ts'],
        }),
      );
      await writeFile(path.join(project, 'typed-app.ts'), TYPED_APP);
      const checked = run(process.execPath, [TSC, '-p', project], { cwd: project, encoding: 'utf8' });
      await expect(
        checked.then(
          () => '',
          (error: { stdout?: string }) => error.stdout ?? String(error),
        ),
        resolution.moduleResolution,
      ).resolves.toBe('');
    }
  }, 90_000);

  describe('on a Signoff', () => {
    let server: TestServer;
    let pages: Server;
    let origin: string;
    let app: { id: string; secret: string };
    let user: { id: string; username: string; password: string };
    /** What the page server serves as /page.js and /whole.js, once the browser suite has bundled them. */
    const bundles = { page: '', whole: '' };

    /** The page's own server: its page and bundles; the page talks to Signoff across origins. */
    function servePage(req: IncomingMessage, res: ServerResponse) {
      const url = new URL(req.url ?? '/', origin);
      // A strict policy of its own: the page may talk to itself and to Signoff, nothing else.
      const csp = `default-src 'self'; connect-src 'self' ${server.url}`;
      if (url.pathname === '/') {
        const html = readFileSync(path.join(project, 'index.html'), 'utf8').replace(
          /\{\}(\s*<\/script>)/,
          `${JSON.stringify({ signoff: server.url, appId: app.id })}$1`,
        );
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
        res.end(html);
      } else if (url.pathname === '/page.js' || url.pathname === '/whole.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(url.pathname === '/page.js' ? bundles.page : bundles.whole);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    }

    beforeAll(async () => {
      // The page's origin: localhost, where Signoff is 127.0.0.1.
      pages = createServer(servePage);
      await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
      origin = `http://localhost:${(pages.address() as { port: number }).port}`;

      server = await startTestServer({ listen: true });
      // The page's origin is one of the app's registered URIs: Signoff's end-user API then
      // answers it with credentials, as the SDK's default `credentials: 'include'` needs.
      ({ app, user } = await createAppAndUser(server, {
        name: 'Shop',
        redirectUris: [`${origin}/callback`],
        logoutRedirectUris: [`${origin}/`],
      }));
    });
    afterAll(async () => {
      await server?.close();
      pages?.close();
    });

    // Options rather than describe.skipIf, whose hooks Biome takes for the enclosing suite's.
    describe('plain JavaScript on Node.js 20', { skip: !node20 }, () => {
      it('signs in, lists sessions, logs out; the verifier and its middleware accept the token, then refuse it', async () => {
        const { stdout, stderr } = await run(node20!, ['node-app.js'], {
          cwd: project,
          encoding: 'utf8',
          timeout: 45_000,
          env: cleanEnv({
            SIGNOFF_URL: server.url,
            SIGNOFF_POOL_ID: server.pool.id,
            SIGNOFF_POOL_SECRET: server.pool.secret,
            SIGNOFF_APP_ID: app.id,
            SIGNOFF_APP_SECRET: app.secret,
            SIGNOFF_ACCOUNT: user.username,
            SIGNOFF_PASSWORD: user.password,
          }),
        });
        // No warning either (an experimental API, a deprecation).
        expect(stderr).toBe('');
        const report = JSON.parse(stdout);
        expect(report.node).toMatch(/^v20\./);
        expect(report).toMatchObject({
          application: 'Shop',
          user: { id: user.id, username: user.username },
          me: user.id,
          sessions: [{ current: true }],
          verifiedBefore: { ok: true, sub: user.id },
          apiBefore: { status: 200, challenge: null, body: { user: user.id } },
          logout: { status: 200, error: null },
          tokenKept: null,
          verifiedAfter: { ok: false, reason: 'revoked' },
          apiAfter: {
            status: 401,
            challenge: 'Bearer error="invalid_token", error_description="revoked"',
            body: { error: 'invalid_token', error_description: 'revoked' },
          },
          meAfter: { status: 401, code: 2020 },
          verifierState: 'live',
        });
      }, 60_000);
    });

    describe('a page bundled with esbuild, in Chromium', { skip: !chromiumExecutable }, () => {
      let browser: Browser;
      let pageBundle: Metafile;
      let wholeBundle: Metafile;

      /** Bundles `@signoff/sdk` as the project has it installed: its exports map, for browsers. */
      const bundle = (
        entry: { entryPoints: string[] } | { stdin: { contents: string; resolveDir: string } },
      ) =>
        build({
          ...entry,
          absWorkingDir: project,
          nodePaths: [path.join(project, 'node_modules')],
          bundle: true,
          write: false,
          metafile: true,
          format: 'esm',
          platform: 'browser',
          target: 'es2022',
          logLevel: 'silent',
        });

      beforeAll(async () => {
        const page = await bundle({ entryPoints: [path.join(project, 'page.js')] });
        bundles.page = page.outputFiles[0]!.text;
        pageBundle = page.metafile;
        // Everything the package exports, verifier and middlewares included: a browser build
        // of it must need no Node.js module.
        const whole = await bundle({
          stdin: { contents: "export * from '@signoff/sdk';", resolveDir: project },
        });
        bundles.whole = whole.outputFiles[0]!.text;
        wholeBundle = whole.metafile;
        browser = await launchChromium();
      });
      afterAll(() => browser?.close());

      const tab = useIsolatedPages(
        () => browser,
        () => [server.url, origin],
      );

      it('bundles the package for browsers from its built files, and a page using the client only leaves jose out', () => {
        for (const metafile of [pageBundle, wholeBundle]) {
          // Found by the package's name, through its exports map, in the installed tarball.
          expect(readBy(metafile)).toContain('node_modules/@signoff/sdk/dist/index.js');
          expect(
            readBy(metafile).filter(
              (input) => !input.startsWith('node_modules/') && !/^(page\.js|<stdin>)$/.test(input),
            ),
          ).toEqual([]);
        }
        expect(bundledBy(wholeBundle)).toEqual(
          expect.arrayContaining([
            'node_modules/@signoff/sdk/dist/token-verifier.js',
            'node_modules/@signoff/sdk/dist/verifier-middleware.js',
            'node_modules/jose/dist/webapi/jwt/verify.js',
          ]),
        );
        // sideEffects: false — the verifier (and jose) are not in a page that does not use them.
        expect(bundledBy(pageBundle)).toContain('node_modules/@signoff/sdk/dist/authentication-client.js');
        expect(
          bundledBy(pageBundle).filter((input) => /token-verifier|revocation|key-set|jose/.test(input)),
        ).toEqual([]);
      });

      it('signs in, shows the user and their sessions from Signoff across origins, and logs out', async () => {
        const { page } = tab;
        await page.goto(`${origin}/`);
        expect(await statusOf(page, 'Signed out')).toBe('Signed out');

        await page.getByLabel('Account').fill(user.username);
        await page.getByLabel('Password').fill(user.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        expect(await statusOf(page, `Signed in as ${user.username}`)).toBe(`Signed in as ${user.username}`);
        expect(await page.locator('#sessions li').allTextContents()).toEqual([
          expect.stringMatching(/^Chrome [\d.]+ \(this one\)$/),
        ]);
        const token = await page.evaluate(() => localStorage.getItem('signoff_token'));
        expect((await getMe(server, token!)).json().data.id).toBe(user.id);

        // A reload finds the token in localStorage.
        await page.reload();
        expect(await statusOf(page, `Signed in as ${user.username}`)).toBe(`Signed in as ${user.username}`);

        await page.getByRole('button', { name: 'Log out' }).click();
        expect(await statusOf(page, 'Signed out')).toBe('Signed out');
        await expect(page.evaluate(() => localStorage.getItem('signoff_token'))).resolves.toBeNull();
        expect((await getMe(server, token!)).statusCode).toBe(401);
      });

      it('loads everything the package exports in the page, verifier and middlewares included', async () => {
        const { page } = tab;
        await page.goto(`${origin}/`);
        // A string, not a function: Vitest would rewrite a function's `import()`.
        const exported = await page.evaluate(`import('${origin}/whole.js').then((sdk) =>
          Object.fromEntries(Object.entries(sdk).map(([name, value]) => [name, typeof value])))`);
        expect(exported).toMatchObject({
          AuthenticationClient: 'function',
          ManagementClient: 'function',
          SignoffError: 'function',
          createTokenVerifier: 'function',
          createTokenMiddleware: 'function',
          createFastifyTokenHook: 'function',
        });
      });
    });
  });
});

/** What the page says once it says `expected`, or after 5 s (the assertion then shows what it said). */
async function statusOf(page: Page, expected: string) {
  await page
    .waitForFunction((text) => document.getElementById('status')?.textContent === text, expected, {
      timeout: 5000,
    })
    .catch(() => undefined);
  return page.locator('#status').textContent();
}
