// Every shell and JavaScript/TypeScript example in README.md and docs/*.md runs against a real
// server, so that a doc that stops matching the product fails CI (issue 11).
//
// Per document, in parallel: a server started as `npm start` starts it (`node src/main.ts`),
// on a free port, with a fresh SQLite store and a known pool id and secret; then the
// document's runnable blocks, in order, in one bash session (`set -euo pipefail`), so that a
// variable set in one block is seen by the next. JavaScript and TypeScript blocks are files the
// session runs with the project's Node.js (they import the project's node_modules), and see the
// variables the session exported.
//
// The session starts with what the README's quick start gives a reader: S (the server's URL),
// POOL and SECRET (the pool id and secret the first start prints), ADMIN (a pool administrator
// token, as its step 1 makes it), and APP_ID and APP_SECRET (a confidential app, as
// docs/oidc.md registers one); SIGNOFF_DATA_DIR is the server's (as `npm start`'s ./data is
// for a CLI run in the same checkout), and `signoff` is on PATH (as after `npm link`).
// `http://localhost:3000` in a block is the server's URL; any other localhost port a block
// names becomes a free one, also given to drivers as DOCS_TEST_PORT_<port>.
//
// `curl` fails when the answer is an HTTP error — unless the command prints the status itself
// (`-w '%{http_code}'`), which is how an example shows an error on purpose — and `jq` when
// what it extracts is null. Blocks not meant to run carry a marker saying why
// (test/helpers/doc-blocks.ts): `<!-- docs-test: skip (…) -->`. The summary printed at the end
// counts the blocks run and skipped per file; DOCS_TEST_SHOW=1 also prints what each session
// printed.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Block, parseBlocks } from './helpers/doc-blocks.ts';
import { freePort } from './helpers/server.ts';

const root = path.resolve(import.meta.dirname, '..');
const DOCUMENTS = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

const hasTool = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = ['bash', 'curl', 'jq'].filter((tool) => !hasTool(tool));
if (missing.length > 0) {
  const note = `docs examples need ${missing.join(', ')} (.ci/run installs jq when it is missing)`;
  if (process.env.CI === 'true') throw new Error(`${note}: missing under CI=true`);
  console.warn(`[skip] ${note}`);
}

const cleanups: (() => void)[] = [];
const summary = new Map<string, { run: number; skipped: { line: number; reason: string }[] }>();
afterAll(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  const rows = [...summary].sort(([a], [b]) => DOCUMENTS.indexOf(a) - DOCUMENTS.indexOf(b));
  const lines = rows.map(([file, { run, skipped }]) =>
    [
      `  ${file.padEnd(22)} ${String(run).padStart(3)} run ${String(skipped.length).padStart(3)} skipped`,
      ...skipped.map((s) => `      ${file}:${s.line} skipped: ${s.reason}`),
    ].join('\n'),
  );
  if (lines.length > 0) console.log(`documentation examples:\n${lines.join('\n')}`);
});

/** A clean environment: nothing of the developer's own Signoff settings. */
function baseEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !/^(SIGNOFF_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/.test(entry[0]),
    ),
  );
}

interface Server {
  url: string;
  port: number;
  dataDir: string;
  pool: string;
  secret: string;
  stop(): void;
}

async function startServer(): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'signoff-docs-data-'));
  const server: Server = {
    url: `http://localhost:${port}`,
    port,
    dataDir,
    pool: randomBytes(12).toString('hex'),
    secret: randomBytes(32).toString('base64url'),
    stop() {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], {
    cwd: root,
    env: {
      ...baseEnv(),
      PORT: String(port),
      SIGNOFF_PUBLIC_URL: server.url,
      SIGNOFF_DATA_DIR: dataDir,
      SIGNOFF_BOOTSTRAP_POOL_ID: server.pool,
      SIGNOFF_BOOTSTRAP_POOL_SECRET: server.secret,
      SIGNOFF_ADMIN_EMAIL: 'admin@docs.example',
      SIGNOFF_ADMIN_PASSWORD: 'docs-admin-password',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  cleanups.push(() => server.stop());
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${output}`);
    const ready = await fetch(`${server.url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    // The banner is written before the server serves: a 200 means it is all there.
    if (ready) {
      // What the README promises the first start prints, and where it points.
      expect(output).toContain(`user pool id      ${server.pool}`);
      expect(output).toContain(`sign-in           ${server.url}/login`);
      return server;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not start: ${output}`);
}

async function adminToken(server: Server): Promise<string> {
  const res = await fetch(`${server.url}/api/v2/userpools/accessToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userPoolId: server.pool, secret: server.secret }),
  });
  return ((await res.json()) as { data: { accessToken: string } }).data.accessToken;
}

async function confidentialApp(server: Server, admin: string): Promise<{ id: string; secret: string }> {
  const res = await fetch(`${server.url}/api/v2/applications`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${admin}`,
      'x-authing-userpool-id': server.pool,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ name: 'Docs app' }),
  });
  return ((await res.json()) as { data: { id: string; secret: string } }).data;
}

/** `localhost:3000` is the server; other localhost ports of the document become free ones. */
async function portMap(blocks: Block[], server: Server): Promise<Map<string, number>> {
  const ports = new Map<string, number>([['3000', server.port]]);
  for (const block of blocks) {
    for (const text of [block.code, ...block.env]) {
      for (const match of text.matchAll(/\b(?:localhost|127\.0\.0\.1):(\d{2,5})\b/g)) {
        if (!ports.has(match[1]!)) ports.set(match[1]!, await freePort());
      }
    }
  }
  return ports;
}

/** The document's ports in a block: after a local host name, and an example server's listen(port). */
const substitute = (text: string, ports: Map<string, number>) =>
  text
    .replace(
      /\b(localhost|127\.0\.0\.1):(\d{2,5})\b/g,
      (_, host, port) => `${host}:${ports.get(port) ?? port}`,
    )
    .replace(/\blisten\((\d{2,5})\b/g, (_, port) => `listen(${ports.get(port) ?? port}`);

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

// The session's own helpers, before the first block. The curl wrapper reads the status from a
// header dump, which leaves the example's own output and options as they are.
const PREAMBLE = `set -euo pipefail
trap 'echo "docs-test: exit $? at script line $LINENO" >&2' ERR
curl() {
  local headers status rc=0
  headers=$(mktemp)
  command curl -D "$headers" "$@" || rc=$?
  status=$(awk '/^HTTP\\//{s=$2} END{print s}' "$headers")
  rm -f "$headers"
  [ "$rc" -eq 0 ] || return "$rc"
  if [ -n "$status" ] && [ "$status" -ge 400 ]; then
    case " $* " in *%{http_code}*|*%{response_code}*) return 0 ;; esac
    echo "docs-test: HTTP $status from curl $*" >&2
    return 22
  fi
}
# A value an example extracts is never null: that is a field the product no longer has.
jq() {
  local out
  out=$(command jq "$@") || return
  if [ "$out" = null ]; then
    echo "docs-test: jq $* found nothing (null)" >&2
    return 1
  fi
  printf '%s\n' "$out"
}
`;

interface Script {
  text: string;
  /** Script line (1-based) → document line. */
  origin: Map<number, number>;
}

function buildScript(file: string, blocks: Block[], ports: Map<string, number>, workdir: string): Script {
  const out: string[] = PREAMBLE.trimEnd().split('\n');
  const origin = new Map<number, number>();
  const push = (line: string, docLine?: number) => {
    out.push(line);
    if (docLine !== undefined) origin.set(out.length, docLine);
  };
  for (const block of blocks) {
    if (block.language === null || block.skip !== null) continue;
    push(`# ${file}:${block.line}`, block.line);
    for (const assignment of block.env) push(`export ${substitute(assignment, ports)}`, block.line - 1);
    const code = substitute(block.code, ports);
    if (block.language === 'shell') {
      if (block.inCheckout) push('cd "$DOCS_TEST_CHECKOUT"', block.line);
      code
        .trimEnd()
        .split('\n')
        .forEach((line, i) => {
          push(line, block.codeLine + i);
        });
      if (block.inCheckout) push('cd "$DOCS_TEST_WORKDIR"', block.line);
      continue;
    }
    const source = path.join(workdir, `block-${block.line}.${block.language === 'ts' ? 'mts' : 'mjs'}`);
    writeFileSync(source, code);
    if (block.serve) {
      push(`node ${quote(source)} > ${quote(`${source}.log`)} 2>&1 &`, block.line);
      push('DOCS_TEST_SERVING=$!', block.line);
      push(`trap 'kill "$DOCS_TEST_SERVING" 2>/dev/null || true' EXIT`, block.line);
      push(
        `node "$DOCS_TEST_CHECKOUT/test/helpers/docs-drivers.ts" ${block.serve} || { echo "--- the example's output:" >&2; cat ${quote(`${source}.log`)} >&2; false; }`,
        block.line,
      );
      push('kill "$DOCS_TEST_SERVING"; wait "$DOCS_TEST_SERVING" || true', block.line);
    } else {
      push(`node ${quote(source)}`, block.line);
    }
  }
  return { text: `${out.join('\n')}\n`, origin };
}

function runScript(
  scriptPath: string,
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Its own process group: whatever an example left running is stopped with it.
    const child = spawn('bash', [scriptPath], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stderr += '\ndocs-test: the document took longer than 60 s\n';
      killGroup();
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup();
      resolve({ code, stdout, stderr });
    });
  });
}

const tail = (text: string, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

describe.skipIf(missing.length > 0).concurrent('documentation examples', () => {
  for (const file of DOCUMENTS) {
    it(`${file}: every shell and JS/TS example runs as printed (or says why not)`, {
      timeout: 90_000,
    }, async () => {
      const { blocks, errors } = parseBlocks(readFileSync(path.join(root, file), 'utf8'));
      expect(errors.map((e) => `${file}:${e.line}: ${e.message}`)).toEqual([]);
      const runnable = blocks.filter((b) => b.language !== null && b.skip === null);
      // Installing or starting the project from an example would touch the shared node_modules
      // (the session links it) or start a second server: such a block says why it is skipped.
      expect(
        runnable
          .filter(
            (b) => b.language === 'shell' && /\bnpm\s+(i|install|ci|start|update|uninstall)\b/.test(b.code),
          )
          .map((b) => `${file}:${b.line}`),
        'blocks that install or start the project must be marked <!-- docs-test: skip (why) -->',
      ).toEqual([]);
      const skipped = blocks.filter((b) => b.language !== null && b.skip !== null);
      summary.set(file, {
        run: runnable.length,
        skipped: skipped.map((b) => ({ line: b.line, reason: b.skip! })),
      });
      if (runnable.length === 0) return;

      const server = await startServer();
      const admin = await adminToken(server);
      const app = await confidentialApp(server, admin);
      const workdir = mkdtempSync(path.join(tmpdir(), 'signoff-docs-run-'));
      cleanups.push(() => rmSync(workdir, { recursive: true, force: true }));
      // Examples import the project's dependencies (openid-client, jose) as a reader's app would.
      symlinkSync(path.join(root, 'node_modules'), path.join(workdir, 'node_modules'));
      const bin = path.join(workdir, '.bin');
      mkdirSync(bin);
      symlinkSync(path.join(root, 'bin', 'signoff.js'), path.join(bin, 'signoff'));

      const ports = await portMap(runnable, server);
      const script = buildScript(file, blocks, ports, workdir);
      const scriptPath = path.join(workdir, 'session.sh');
      writeFileSync(scriptPath, script.text);
      const env: Record<string, string> = {
        ...baseEnv(),
        // The project's Node.js first, as npm scripts have it; npx never downloads anything.
        PATH: [
          bin,
          path.join(root, 'node_modules', '.bin'),
          path.dirname(process.execPath),
          process.env.PATH,
        ].join(':'),
        npm_config_offline: 'true',
        S: server.url,
        POOL: server.pool,
        SECRET: server.secret,
        ADMIN: admin,
        APP_ID: app.id,
        APP_SECRET: app.secret,
        SIGNOFF_DATA_DIR: server.dataDir,
        DOCS_TEST_WORKDIR: workdir,
        DOCS_TEST_CHECKOUT: root,
        ...Object.fromEntries([...ports].map(([from, to]) => [`DOCS_TEST_PORT_${from}`, String(to)])),
      };
      const result = await runScript(scriptPath, env, workdir).finally(() => server.stop());
      if (process.env.DOCS_TEST_SHOW) console.log(`=== ${file}\n${result.stdout}\n${result.stderr}`);
      if (result.code !== 0) {
        const at = /docs-test: exit \d+ at script line (\d+)/.exec(result.stderr);
        const docLine = at ? script.origin.get(Number(at[1])) : undefined;
        const where = docLine ? `${file}:${docLine}` : file;
        expect.fail(
          `an example of ${where} failed (exit ${result.code})\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`,
        );
      }
    });
  }
});
