// Which real services the tests can reach. A test that needs one skips with a message when
// it is absent — except under CI=true, where an absent service is a failure, never a skip.
import { existsSync } from 'node:fs';

const inCI = process.env.CI === 'true';

function required(name: string, value: string | undefined, hint: string): string | undefined {
  if (value) return value;
  if (inCI) throw new Error(`${name} is not set under CI=true: ${hint}`);
  console.warn(`[skip] ${name} is not set: ${hint}`);
  return undefined;
}

export const postgresUrl = () =>
  required(
    'SIGNOFF_TEST_DATABASE_URL',
    process.env.SIGNOFF_TEST_DATABASE_URL,
    'PostgreSQL tests skipped (e.g. postgres://postgres@127.0.0.1:5432/test)',
  );

export const redisUrl = () =>
  required(
    'SIGNOFF_TEST_REDIS_URL',
    process.env.SIGNOFF_TEST_REDIS_URL,
    'Redis tests skipped (e.g. redis://127.0.0.1:6379)',
  );

export const CHROMIUM = process.env.SIGNOFF_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumPath = () =>
  required('chromium', existsSync(CHROMIUM) ? CHROMIUM : undefined, `browser tests skipped (no ${CHROMIUM})`);
