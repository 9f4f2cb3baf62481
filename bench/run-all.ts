// Runs every benchmark in turn, each in its own process, and prints their tables:
//   npm run bench            (PostgreSQL rows when SIGNOFF_TEST_DATABASE_URL is set)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { machine } from './measure.ts';

console.log(`Machine: ${machine()}`);
for (const bench of [
  'token-verify.ts',
  'http-me.ts',
  'end-sessions.ts',
  'kick.ts',
  'ssf-kick.ts',
  'bulk-logout.ts',
  'sdk-verifier.ts',
  'propagation.ts',
]) {
  const run = spawnSync(process.execPath, [path.join(import.meta.dirname, bench), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
