// The command table: each command's words, options and help, how its flags become the input
// of its commands.ts function (every check that needs no store happens here, before the store
// is opened), and how its result is printed. A command's shape is command.ts's; the flag
// readers are flags.ts's.
import { checkBackchannelUri, checkRedirectUri } from '../domain/apps/redirect-uris.ts';
import { TOKEN_ENDPOINT_AUTH_METHODS } from '../domain/model.ts';
import { type Command, define } from './command.ts';
import type { EndTarget } from './commands.ts';
import { usageError } from './errors.ts';
import {
  EMAIL,
  ID,
  list,
  optional,
  POOL_ID,
  password,
  passwordOptions,
  pool,
  poolOption,
  required,
  USERNAME,
} from './flags.ts';
import {
  renderApps,
  renderCreateApp,
  renderCreatePool,
  renderCreateUser,
  renderEnded,
  renderPasswordSet,
  renderPools,
  renderRotated,
  renderSessions,
  renderUpdatePool,
} from './output.ts';

// Loaded when a command runs: it pulls in the API presenters (and their schema library),
// which help and usage errors do not need.
const commands = () => import('./commands.ts');

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
      ...passwordOptions,
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
    group: 'users',
    name: 'set-password',
    summary: "Set a user's password; their sessions end unless --keep-sessions.",
    details:
      'For a user locked out or a password that leaked: the same as the console and ' +
      'POST /api/v2/users/:userId/password — the sessions end through the session core (reason ' +
      'admin_password_reset, actor cli), apps are notified, and CAEP credential-change events go out.',
    synopsis: '[--pool POOL_ID] --user USER_ID (--password-stdin | --password PASSWORD) [--keep-sessions]',
    options: {
      ...poolOption,
      user: { type: 'string', value: 'USER_ID', description: 'the user' },
      ...passwordOptions,
      'keep-sessions': { type: 'boolean', description: "keep the user's sessions (default: end them all)" },
    },
    async parse(values) {
      const userId = required(values, 'user', ID);
      const secret = await password(values);
      if (secret === undefined) throw usageError('--password or --password-stdin is required');
      const poolId = pool(values);
      return {
        userId,
        password: secret,
        keepSessions: values['keep-sessions'] === true,
        ...(poolId === undefined ? {} : { pool: poolId }),
      };
    },
    run: async (ctx, input) => (await commands()).setUserPassword(ctx, input),
    render: renderPasswordSet,
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

export type { Command, OptionValues } from './command.ts';

export const GROUPS = [...new Set(COMMANDS.map((c) => c.group))];

export const findCommand = (group: string, name: string) =>
  COMMANDS.find((c) => c.group === group && c.name === name);
