// One function per command. Each calls the same domain services as the HTTP routes and
// returns plain data; printing is output.ts's job. The JSON shapes of apps, users and sessions
// are the management API's (src/http/presenters.ts), so a script can move between the two.
import { newSecret } from '../domain/ids.ts';
import type { Actor, Pool, TokenEndpointAuthMethod } from '../domain/model.ts';
import { presentApp, presentSession, presentUser } from '../http/presenters.ts';
import type { CliContext } from './context.ts';
import { failure } from './errors.ts';

/** Who the audit trail names for every session the CLI ends. */
export const CLI_ACTOR: Actor = { type: 'admin', id: 'cli' };

const iso = (ms: number) => new Date(ms).toISOString();

/** The pool named by --pool, else the default pool (the first one created). */
async function resolvePool(ctx: CliContext, poolId: string | undefined): Promise<Pool> {
  const { services } = ctx;
  const id = poolId ?? services.defaultPoolId();
  if (id === null) {
    throw failure('there is no user pool yet: create one with `signoff pools create --name <name>`');
  }
  const pool = await services.pools.get(id);
  if (!pool) throw failure(`user pool "${id}" not found (see \`signoff pools list\`)`);
  return pool;
}

// Without Redis a running server hears nothing from the CLI at once: it reads ended sessions
// from the store every 2 seconds and signing keys every 10 seconds.
function noticeKeysNotPropagated(ctx: CliContext, what: string) {
  if (ctx.busKind === 'memory') {
    ctx.notice(
      `servers already running without REDIS_URL pick up ${what} at their next key reload, within 10 seconds`,
    );
  }
}

const presentPool = (pool: Pool, defaultPoolId: string | null) => ({
  id: pool.id,
  name: pool.name,
  createdAt: iso(pool.createdAt),
  default: pool.id === defaultPoolId,
  signUpEnabled: pool.signUpEnabled,
});

export async function createPool(ctx: CliContext, input: { id?: string; name: string; secret?: string }) {
  const created = await ctx.services.pools.create(input);
  if (!created.ok) throw failure(`a user pool with id "${input.id}" already exists`);
  noticeKeysNotPropagated(ctx, `user pool ${created.pool.id}`);
  return {
    ...presentPool(created.pool, ctx.services.defaultPoolId()),
    // A secret the operator chose is not echoed back: it is already known, and output is logged.
    secret: input.secret === undefined ? created.secret : null,
  };
}

export async function listPools(ctx: CliContext) {
  const defaultPoolId = ctx.services.defaultPoolId();
  return (await ctx.services.pools.list()).map((pool) => presentPool(pool, defaultPoolId));
}

/** Changes a pool's settings (today: self sign-up), as the API's PATCH /api/v2/userpools/settings does. */
export async function updatePool(ctx: CliContext, input: { pool?: string; signUpEnabled: boolean }) {
  const pool = await resolvePool(ctx, input.pool);
  const updated = await ctx.services.pools.updateSettings(pool.id, { signUpEnabled: input.signUpEnabled });
  if (!updated) throw failure(`user pool "${pool.id}" not found (see \`signoff pools list\`)`);
  return presentPool(updated, ctx.services.defaultPoolId());
}

export interface CreateAppInput {
  pool?: string;
  name: string;
  identifier?: string;
  redirectUris: string[];
  logoutRedirectUris: string[];
  backchannelLogoutUri?: string;
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
}

export async function createApp(ctx: CliContext, input: CreateAppInput) {
  const pool = await resolvePool(ctx, input.pool);
  const created = await ctx.services.apps.create(pool.id, {
    name: input.name,
    identifier: input.identifier ?? null,
    redirectUris: input.redirectUris,
    logoutRedirectUris: input.logoutRedirectUris,
    backchannelLogoutUri: input.backchannelLogoutUri ?? null,
    ...(input.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: input.tokenEndpointAuthMethod } : {}),
  });
  if (!created.ok)
    throw failure(`--backchannel-logout-uri "${input.backchannelLogoutUri}" ${created.problem}`);
  return { ...presentApp(created.app), secret: created.secret };
}

export async function listApps(ctx: CliContext, input: { pool?: string }) {
  const pool = await resolvePool(ctx, input.pool);
  return (await ctx.services.apps.list(pool.id)).map(presentApp);
}

export interface CreateUserInput {
  pool?: string;
  username?: string;
  email?: string;
  name?: string;
  /** Absent: one is generated and returned, once. */
  password?: string;
}

export async function createUser(ctx: CliContext, input: CreateUserInput) {
  const pool = await resolvePool(ctx, input.pool);
  // Same length and alphabet as the generated first console password (domain/bootstrap.ts).
  const generatedPassword = input.password === undefined ? newSecret().slice(0, 24) : null;
  const created = await ctx.services.users.create(pool.id, {
    username: input.username ?? null,
    email: input.email ?? null,
    name: input.name ?? null,
    password: input.password ?? generatedPassword!,
  });
  if (!created.ok) {
    const value = created.conflict === 'email' ? input.email : input.username;
    throw failure(`--${created.conflict} "${value}" is already taken in user pool ${pool.id}`);
  }
  return { ...presentUser(created.user), generatedPassword };
}

export async function setUserPassword(
  ctx: CliContext,
  input: { pool?: string; userId: string; password: string; keepSessions: boolean },
) {
  const pool = await resolvePool(ctx, input.pool);
  const result = await ctx.services.users.setPassword(pool.id, input.userId, input.password, {
    endSessions: !input.keepSessions,
    actor: CLI_ACTOR,
  });
  if (!result.ok) {
    if (result.reason === 'not_found')
      throw failure(`user "${input.userId}" not found in user pool ${pool.id}`);
    throw failure(`the password ${result.problem}`);
  }
  return { userId: input.userId, poolId: pool.id, sessionsEnded: result.ended?.sessions ?? 0 };
}

async function requireUser(ctx: CliContext, poolId: string, userId: string) {
  const user = await ctx.services.users.get(poolId, userId);
  if (!user) throw failure(`user "${userId}" not found in user pool ${poolId}`);
  return user;
}

export async function listSessions(ctx: CliContext, input: { pool?: string; userId: string }) {
  const pool = await resolvePool(ctx, input.pool);
  await requireUser(ctx, pool.id, input.userId);
  const sessions = await ctx.services.sessions.listOfUser(pool.id, input.userId);
  const appNames: Record<string, string> = {};
  for (const app of await ctx.services.apps.list(pool.id)) appNames[app.id] = app.name;
  return {
    poolId: pool.id,
    userId: input.userId,
    sessions: sessions.map((s) => presentSession(s)),
    appNames,
  };
}

export type EndTarget = { userId: string } | { sid: string };

/** Ends through the session core, as the console does: audit, revocations and outbox in one go. */
export async function endSessions(ctx: CliContext, input: { pool?: string; target: EndTarget }) {
  const { services } = ctx;
  const pool = await resolvePool(ctx, input.pool);
  let summary: Awaited<ReturnType<typeof services.logout.endUsersAsAdmin>>;
  if ('userId' in input.target) {
    // The API takes unknown user ids silently (CONTRACT §4); here a typo should be said.
    await requireUser(ctx, pool.id, input.target.userId);
    summary = await services.logout.endUsersAsAdmin(pool.id, [input.target.userId], CLI_ACTOR);
  } else {
    const ended = await services.logout.endSessionAsAdmin(pool.id, input.target.sid, CLI_ACTOR);
    if (!ended) throw failure(`session "${input.target.sid}" not found in user pool ${pool.id}`);
    summary = ended;
  }
  return {
    poolId: pool.id,
    ...input.target,
    ended: summary.sessions,
    appSessions: summary.appSessions,
    deliveries: summary.deliveries,
    recordId: summary.recordId,
  };
}

export async function rotateKeys(ctx: CliContext, input: { pool?: string }) {
  const pool = await resolvePool(ctx, input.pool);
  const rotated = await ctx.services.pools.rotateKey(pool.id);
  noticeKeysNotPropagated(ctx, `the new key ${rotated.kid}`);
  return { poolId: pool.id, kid: rotated.kid, retired: rotated.retired };
}
