// The command table: each command's words, options and help, how its flags become the input
// of its commands.ts function (every check that needs no store happens here, before the store
// is opened), and how its result is printed.
import { checkBackchannelUri, checkRedirectUri } from '../domain/apps/redirect-uris.ts';
import { TOKEN_ENDPOINT_AUTH_METHODS } from '../domain/model.ts';
import type { EndTarget } from './commands.ts';
import type { CliContext } from './context.ts';
import { usageError } from './errors.ts';
import {
  type RenderContext,
  renderApps,
  renderCreateApp,
  renderCreatePool,
  renderCreateUser,
  renderEnded,
  renderPools,
  renderRotated,
  renderSessions,
  renderUpdatePool,
} from './output.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Shown in help: `--name NAME`. */
  value?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Prepared {
  /** Runs the command; `data` is the --json document, `text` the readable form. */
  run(ctx: CliContext): Promise<{ data: unknown; text: string }>;
}

export interface Command {
  group: string;
  name: string;
  summary: string;
  /** More than the summary, for the command's own help. */
  details?: string;
  /** The synopsis after `signoff <group> <name>`. */
  synopsis: string;
  options: Record<string, OptionSpec>;
  /** Validates the flags (may read stdin); throws a usage error naming the flag. */
  prepare(values: OptionValues): Promise<Prepared>;
}

interface Definition<I, R> extends Omit<Command, 'prepare'> {
  parse(values: OptionValues): I | Promise<I>;
  run(ctx: CliContext, input: I): Promise<R>;
  render(result: R, ctx: RenderContext): string;
  /** The --json document, when it is not the result itself. */
  json?(result: R): unknown;
}

// Ties a command's input and result types together, then forgets them: the table holds
// commands of different types.
function define<I, R>(definition: Definition<I, R>): Command {
  const { parse, run: execute, render, json, ...meta } = definition;
  return {
    ...meta,
    async prepare(values) {
      const input = await parse(values);
      return {
        async run(ctx) {
          const result = await execute(ctx, input);
          return { data: json ? json(result) : result, text: render(result, ctx) };
        },
      };
    },
  };
}

// Loaded when a command runs: it pulls in the API presenters (and their schema library),
// which help and usage errors do not need.
const commands = () => import('./commands.ts');

// --- flag readers: each error names the flag -------------------------------------------------

function optional(values: OptionValues, flag: string, limits: { min?: number; max: number }) {
  const value = values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw usageError(`--${flag} needs a value`);
  if (value.trim() === '') throw usageError(`--${flag} must not be empty`);
  if (value.length < (limits.min ?? 1))
    throw usageError(`--${flag} must be at least ${limits.min} characters`);
  if (value.length > limits.max) throw usageError(`--${flag} must be at most ${limits.max} characters`);
  return value;
}

function required(values: OptionValues, flag: string, limits: { min?: number; max: number }) {
  const value = optional(values, flag, limits);
  if (value === undefined) throw usageError(`--${flag} is required`);
  return value;
}

function list(values: OptionValues, flag: string, check: (value: string) => string | null) {
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
const POOL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const USERNAME = /^[^@\s]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const PASSWORD = { min: 8, max: 256 };
const ID = { max: 64 };

const pool = (values: OptionValues) => optional(values, 'pool', ID);

const poolOption: Record<string, OptionSpec> = {
  pool: { type: 'string', value: 'POOL_ID', description: 'user pool (default: the default pool)' },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function password(values: OptionValues): Promise<string | undefined> {
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

// --- the commands -----------------------------------------------------------------------------

export const COMMANDS: Command[] = [
  define({
    group: 'pools',
    name: 'create',
    summary: 'Create a user pool; prints its secret once. The first pool becomes the default.',
    synopsis: '--name NAME [--id POOL_ID] [--secret SECRET]',
    options: {
      name: { type: 'string', value: 'NAME', description: 'display name' },
      id: {
        type: 'string',
        value: 'POOL_ID',
        description: 'letters, digits, "-" and "_" (default: generated)',
      },
      secret: {
        type: 'string',
        value: 'SECRET',
        description: 'at least 16 characters (default: generated, printed once)',
      },
    },
    parse(values) {
      const name = required(values, 'name', { max: 100 });
      const id = optional(values, 'id', ID);
      if (id !== undefined && !POOL_ID.test(id)) {
        throw usageError('--id may hold only letters, digits, "-" and "_" (1 to 64)');
      }
      const secret = optional(values, 'secret', { min: 16, max: 256 });
      return { name, ...(id === undefined ? {} : { id }), ...(secret === undefined ? {} : { secret }) };
    },
    run: async (ctx, input) => (await commands()).createPool(ctx, input),
    render: renderCreatePool,
  }),
  define({
    group: 'pools',
    name: 'list',
    summary: 'List user pools.',
    synopsis: '',
    options: {},
    parse: () => ({}),
    run: async (ctx) => (await commands()).listPools(ctx),
    render: renderPools,
  }),
  define({
    group: 'pools',
    name: 'update',
    summary: "Change a user pool's settings: whether people may sign up by themselves.",
    details:
      'With --sign-up on, the hosted page /signup and POST /api/v2/register/email create accounts in ' +
      'the pool, and the sign-in page links to /signup; off (the default for every pool) refuses them.',
    synopsis: '[--pool POOL_ID] --sign-up on|off',
    options: {
      ...poolOption,
      'sign-up': { type: 'string', value: 'on|off', description: 'self sign-up for the pool' },
    },
    parse(values) {
      const value = required(values, 'sign-up', { max: 16 });
      if (value !== 'on' && value !== 'off') throw usageError('--sign-up must be on or off');
      const poolId = pool(values);
      return { signUpEnabled: value === 'on', ...(poolId === undefined ? {} : { pool: poolId }) };
    },
    run: async (ctx, input) => (await commands()).updatePool(ctx, input),
    render: renderUpdatePool,
  }),
  define({
    group: 'apps',
    name: 'create',
    summary: 'Create an application (an OIDC client); prints its id and secret once.',
    synopsis:
      '[--pool POOL_ID] --name NAME [--redirect-uri URI]... [--logout-redirect-uri URI]... [--backchannel-logout-uri URI] [--auth-method METHOD] [--identifier ID]',
    options: {
      ...poolOption,
      name: { type: 'string', value: 'NAME', description: 'display name' },
      'redirect-uri': {
        type: 'string',
        multiple: true,
        value: 'URI',
        description: 'where sign-in may return to; repeat for several',
      },
      'logout-redirect-uri': {
        type: 'string',
        multiple: true,
        value: 'URI',
        description: 'where a logout may return to (exact match); repeat for several',
      },
      'backchannel-logout-uri': {
        type: 'string',
        value: 'URI',
        description: 'OIDC Back-Channel Logout endpoint, told of every ended session',
      },
      'auth-method': {
        type: 'string',
        value: 'METHOD',
        description:
          'how the app authenticates as an OIDC client: client_secret_basic (default) or client_secret_post for a web app with a server (either method then works), none for an SPA or native app (public, PKCE)',
      },
      identifier: { type: 'string', value: 'ID', description: 'your own identifier for the app' },
    },
    parse(values) {
      const method = optional(values, 'auth-method', { max: 32 });
      const authMethod = TOKEN_ENDPOINT_AUTH_METHODS.find((m) => m === method);
      if (method !== undefined && !authMethod) {
        throw usageError(`--auth-method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`);
      }
      const backchannel = optional(values, 'backchannel-logout-uri', { max: 2048 });
      if (backchannel !== undefined) {
        const problem = checkBackchannelUri(backchannel);
        if (problem) throw usageError(`--backchannel-logout-uri "${backchannel}" ${problem}`);
      }
      const identifier = optional(values, 'identifier', { max: 100 });
      const poolId = pool(values);
      return {
        name: required(values, 'name', { max: 100 }),
        redirectUris: list(values, 'redirect-uri', checkRedirectUri),
        logoutRedirectUris: list(values, 'logout-redirect-uri', checkRedirectUri),
        ...(poolId === undefined ? {} : { pool: poolId }),
        ...(backchannel === undefined ? {} : { backchannelLogoutUri: backchannel }),
        ...(authMethod === undefined ? {} : { tokenEndpointAuthMethod: authMethod }),
        ...(identifier === undefined ? {} : { identifier }),
      };
    },
    run: async (ctx, input) => (await commands()).createApp(ctx, input),
    render: renderCreateApp,
  }),
  define({
    group: 'apps',
    name: 'list',
    summary: "List a user pool's applications.",
    synopsis: '[--pool POOL_ID]',
    options: { ...poolOption },
    parse: (values) => {
      const poolId = pool(values);
      return poolId === undefined ? {} : { pool: poolId };
    },
    run: async (ctx, input) => (await commands()).listApps(ctx, input),
    render: renderApps,
  }),
  define({
    group: 'users',
    name: 'create',
    summary: 'Create a user. Without a password option one is generated and printed once.',
    synopsis:
      '[--pool POOL_ID] (--username NAME | --email EMAIL) [--name NAME] [--password-stdin | --password PASSWORD]',
    options: {
      ...poolOption,
      username: { type: 'string', value: 'NAME', description: 'sign-in name, without "@" or spaces' },
      email: { type: 'string', value: 'EMAIL', description: 'sign-in email (case is ignored)' },
      name: { type: 'string', value: 'NAME', description: 'display name' },
      'password-stdin': {
        type: 'boolean',
        description: 'read the password from stdin (one trailing newline is dropped)',
      },
      password: {
        type: 'string',
        value: 'PASSWORD',
        description: 'the password (visible in shell history and `ps`: prefer --password-stdin)',
      },
    },
    async parse(values) {
      const username = optional(values, 'username', { max: 100 });
      if (username !== undefined && !USERNAME.test(username)) {
        throw usageError('--username must not contain "@" or white space');
      }
      const email = optional(values, 'email', { min: 3, max: 254 });
      if (email !== undefined && !EMAIL.test(email))
        throw usageError(`--email "${email}" is not an email address`);
      if (username === undefined && email === undefined)
        throw usageError('--username or --email is required');
      const name = optional(values, 'name', { max: 200 });
      const poolId = pool(values);
      const secret = await password(values);
      return {
        ...(poolId === undefined ? {} : { pool: poolId }),
        ...(username === undefined ? {} : { username }),
        ...(email === undefined ? {} : { email }),
        ...(name === undefined ? {} : { name }),
        ...(secret === undefined ? {} : { password: secret }),
      };
    },
    run: async (ctx, input) => (await commands()).createUser(ctx, input),
    render: renderCreateUser,
  }),
  define({
    group: 'sessions',
    name: 'list',
    summary: "List a user's live sessions: device, IP, apps, times.",
    synopsis: '[--pool POOL_ID] --user USER_ID',
    options: { ...poolOption, user: { type: 'string', value: 'USER_ID', description: 'the user' } },
    parse: (values) => {
      const poolId = pool(values);
      return { userId: required(values, 'user', ID), ...(poolId === undefined ? {} : { pool: poolId }) };
    },
    run: async (ctx, input) => (await commands()).listSessions(ctx, input),
    render: renderSessions,
    // The management API's `GET /api/v2/users/:userId/sessions` data.
    json: (result) => result.sessions,
  }),
  define({
    group: 'sessions',
    name: 'end',
    summary: "End a user's sessions, or one session.",
    details:
      'Goes through the session core like the console: the sessions end, their tokens are refused, ' +
      'apps with a back-channel logout URI are notified, and the audit trail records reason ' +
      'admin_logout, actor cli.',
    synopsis: '[--pool POOL_ID] (--user USER_ID | --sid SID)',
    options: {
      ...poolOption,
      user: { type: 'string', value: 'USER_ID', description: 'end all sessions of this user' },
      sid: { type: 'string', value: 'SID', description: 'end this one session' },
    },
    parse: (values) => {
      const userId = optional(values, 'user', ID);
      const sid = optional(values, 'sid', ID);
      if (userId !== undefined && sid !== undefined)
        throw usageError('give either --user or --sid, not both');
      let target: EndTarget;
      if (userId !== undefined) target = { userId };
      else if (sid !== undefined) target = { sid };
      else throw usageError('--user or --sid is required');
      const poolId = pool(values);
      return { target, ...(poolId === undefined ? {} : { pool: poolId }) };
    },
    run: async (ctx, input) => (await commands()).endSessions(ctx, input),
    render: renderEnded,
  }),
  define({
    group: 'keys',
    name: 'rotate',
    summary: 'Give a user pool a new signing key; the old one verifies until its tokens expire.',
    synopsis: '[--pool POOL_ID]',
    options: { ...poolOption },
    parse: (values) => {
      const poolId = pool(values);
      return poolId === undefined ? {} : { pool: poolId };
    },
    run: async (ctx, input) => (await commands()).rotateKeys(ctx, input),
    render: renderRotated,
  }),
];

export const GROUPS = [...new Set(COMMANDS.map((c) => c.group))];

export const findCommand = (group: string, name: string) =>
  COMMANDS.find((c) => c.group === group && c.name === name);
