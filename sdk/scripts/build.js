// Builds the package into dist/: ES modules and .d.ts (TSDoc kept) from src/, with the
// repository's TypeScript (tsconfig.build.json). Plain JavaScript, so that it runs on any
// Node.js the package supports (20.3 and later), with or without type stripping.
//
// tsc rewrites `./x.ts` to `./x.js` in the .js it emits (rewriteRelativeImportExtensions) but
// not in the .d.ts: those keep `./x.ts`, which only TypeScript 5 resolves. They are rewritten
// here, so that any TypeScript and any tool reading declarations finds `./x.js` → `./x.d.ts`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Not import.meta.dirname: Node.js 20 has it only from 20.11.
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const relativeTS = /((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]+)\.ts\2/g;
for (const file of readdirSync(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const full = path.join(dist, file);
  writeFileSync(full, readFileSync(full, 'utf8').replace(relativeTS, '$1$2$3.js$2'));
}
