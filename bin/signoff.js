#!/usr/bin/env node
// Launcher for `npx signoff …`. The CLI is TypeScript that Node runs directly (type stripping)
// and uses node:sqlite: both need Node 24, which the project pins as its `node` dev
// dependency. npx runs a bin with whatever `node` comes first on PATH — often an older system
// Node — so this file stays plain JavaScript that any Node can start, and only re-runs
// src/cli/main.ts with the pinned Node, passing arguments, stdio and the exit status through.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'src', 'cli', 'main.ts');

function pinnedNode() {
  const exe = process.platform === 'win32' ? 'node.exe' : 'node';
  const candidates = [path.join(root, 'node_modules', 'node', 'bin', exe)];
  // Where npm hoisted the `node` package, if not in the project's own node_modules.
  try {
    const pkg = createRequire(path.join(root, 'package.json')).resolve('node/package.json');
    candidates.push(path.join(path.dirname(pkg), 'bin', exe));
  } catch {
    // Not installed: fall through to the running Node if it is recent enough.
  }
  candidates.push(path.join(root, 'node_modules', '.bin', 'node'));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return found;
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  return null;
}

const node = pinnedNode();
if (!node) {
  process.stderr.write(
    `signoff: needs Node.js 24 (this is ${process.version}); run \`npm install\` in ${root} to get the pinned one\n`,
  );
  process.exit(1);
}

const child = spawn(node, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });

// A signal sent to this launcher alone (kill, a supervisor) reaches the CLI too; Ctrl-C
// reaches both through the terminal, and the launcher then waits for the CLI to finish.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of SIGNALS) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}

child.on('error', (error) => {
  process.stderr.write(`signoff: cannot start ${node}: ${error.message}\n`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  if (signal) {
    // End the same way the CLI did, so that a shell sees 128+n as it would without the launcher.
    for (const s of SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
