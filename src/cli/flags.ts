// The flag readers of the command table: each checks one flag the way the API checks the
// same field, and its error names the flag (a usage error, exit 2, before any store is opened).
import type { OptionSpec, OptionValues } from './command.ts';
import { usageError } from './errors.ts';

export function optional(values: OptionValues, flag: string, limits: { min?: number; max: number }) {
  const value = values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw usageError(`--${flag} needs a value`);
  if (value.trim() === '') throw usageError(`--${flag} must not be empty`);
  if (value.length < (limits.min ?? 1))
    throw usageError(`--${flag} must be at least ${limits.min} characters`);
  if (value.length > limits.max) throw usageError(`--${flag} must be at most ${limits.max} characters`);
  return value;
}

export function required(values: OptionValues, flag: string, limits: { min?: number; max: number }) {
  const value = optional(values, flag, limits);
  if (value === undefined) throw usageError(`--${flag} is required`);
  return value;
}

export function list(values: OptionValues, flag: string, check: (value: string) => string | null) {
  const raw = values[flag];
  const items = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  // The API's limit (maxItems 50 in src/http/api/applications.ts).
  if (items.length > 50) throw usageError(`--${flag} may be given at most 50 times`);
  for (const item of items) {
    const problem = check(item);
    if (problem) throw usageError(`--${flag} "${item}" ${problem}`);
  }
  return items;
}

// The same rules as the environment's SIGNOFF_BOOTSTRAP_POOL_ID/_SECRET (src/config.ts) and
// the management API's user body (src/http/api/users.ts).
export const POOL_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const USERNAME = /^[^@\s]+$/;
export const EMAIL = /^[^@\s]+@[^@\s]+$/;
export const PASSWORD = { min: 8, max: 256 };
export const ID = { max: 64 };

export const pool = (values: OptionValues) => optional(values, 'pool', ID);

export const poolOption: Record<string, OptionSpec> = {
  pool: { type: 'string', value: 'POOL_ID', description: 'user pool (default: the default pool)' },
};

/** --password-stdin and --password, read by password(). */
export const passwordOptions: Record<string, OptionSpec> = {
  'password-stdin': {
    type: 'boolean',
    description: 'read the password from stdin (one trailing newline is dropped)',
  },
  password: {
    type: 'string',
    value: 'PASSWORD',
    description: 'the password (visible in shell history and `ps`: prefer --password-stdin)',
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function password(values: OptionValues): Promise<string | undefined> {
  if (values['password-stdin'] && values.password !== undefined) {
    throw usageError('give either --password or --password-stdin, not both');
  }
  if (!values['password-stdin']) return optional(values, 'password', PASSWORD);
  // One trailing line break is the `echo`/here-string's, not the password's.
  const read = (await readStdin()).replace(/\r?\n$/, '');
  if (read.length < PASSWORD.min)
    throw usageError(`--password-stdin: the password must be at least ${PASSWORD.min} characters`);
  if (read.length > PASSWORD.max)
    throw usageError(`--password-stdin: the password must be at most ${PASSWORD.max} characters`);
  return read;
}
