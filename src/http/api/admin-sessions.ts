// The administrator's session routes (CONTRACT §4, Authing's shapes): kick users out of an
// app or the whole pool, see who is signed in to an app, check a user's login status, read
// the audit trail of session ends (and of the password changes that may cause them), and
// "log out everyone" as a job. Every end goes through
// the session core: audited, revoked on every node, notified to the apps by back-channel.
import { Type } from 'typebox';
import type { BulkLogout, SessionEndRecord } from '../../domain/model.ts';
import { requireAdmin } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import {
  AppSchema,
  CredentialChangeSchema,
  EndSummarySchema,
  presentApp,
  presentCredentialChange,
  presentUser,
  UserSchema,
} from '../presenters.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
/** At most 1,000 ids a call: a bigger "everyone" is a bulk logout job. */
const UserIds = Type.Object({ userIds: Type.Array(Id, { maxItems: 1000 }) }, { additionalProperties: false });
const AppParams = Type.Object({ appId: Id });
const Paging = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
});
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const ActiveUserSchema = Type.Intersect([
  UserSchema,
  Type.Object({
    sessions: Type.Integer({ description: 'Live sessions of the user in the app' }),
    signedInAt: Type.String({ format: 'date-time', description: 'Earliest sign-in among them' }),
    lastActiveAt: Type.String({ format: 'date-time' }),
    lastIp: Nullable(Type.String()),
    device: Type.Object({
      browser: Nullable(Type.String()),
      os: Nullable(Type.String()),
      platform: Nullable(Type.String()),
    }),
  }),
]);

const SessionEndSchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()) }),
  sessions: Type.Integer(),
  appSessions: Type.Integer(),
  apps: Type.Array(Type.String()),
});

const BulkLogoutSchema = Type.Object({
  id: Type.String(),
  appId: Nullable(Type.String()),
  status: Type.String({ description: 'running, done or failed' }),
  total: Type.Integer({ description: 'Live sessions when the job started' }),
  ended: Type.Integer(),
  batches: Type.Integer(),
  error: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
});

const iso = (ms: number) => new Date(ms).toISOString();
const presentEnd = (r: SessionEndRecord) => ({
  id: r.id,
  at: iso(r.at),
  reason: r.reason,
  actor: r.actor,
  sessions: r.sessions,
  appSessions: r.appSessions,
  apps: r.apps,
});
const presentJob = (j: BulkLogout) => ({
  id: j.id,
  appId: j.appId,
  status: j.status,
  total: j.total,
  ended: j.ended,
  batches: j.batches,
  error: j.error,
  createdAt: iso(j.createdAt),
  finishedAt: j.finishedAt === null ? null : iso(j.finishedAt),
});

export const adminSessionRoutes: RouteModule = (app, { services }) => {
  const tags = ['management'];
  const summary = (s: { sessions: number; appSessions: number; deliveries: number }) => ({
    ended: s.sessions,
    appSessions: s.appSessions,
    deliveries: s.deliveries,
  });

  async function appOf(poolId: string, appId: string) {
    const found = await services.apps.get(poolId, appId);
    if (!found) throw errors.appNotFound();
    return found;
  }

  const kickSchema = {
    tags,
    summary: "Kick users out of an app (their other apps' sessions go on)",
    params: AppParams,
    body: UserIds,
    response: { 200: Envelope(EndSummarySchema) },
  };
  for (const path of [
    '/api/v2/applications/:appId/kick-active-users',
    '/api/applications/:appId/kick-active-users',
  ]) {
    app.post(path, { schema: kickSchema }, async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      await appOf(poolId, req.params.appId);
      const ended = await services.logout.kickFromApp(poolId, req.params.appId, req.body.userIds, actor);
      return ok(summary(ended), 'forced logout success');
    });
  }

  app.get(
    '/api/v2/applications/:appId/active-users',
    {
      schema: {
        tags,
        summary: 'Users signed in to an app, most recently active first',
        params: AppParams,
        querystring: Paging,
        response: {
          200: Envelope(Type.Object({ totalCount: Type.Integer(), list: Type.Array(ActiveUserSchema) })),
        },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      await appOf(poolId, req.params.appId);
      const page = await services.sessions.activeUsersOfApp(
        poolId,
        req.params.appId,
        req.query.page ?? 1,
        req.query.limit ?? 10,
      );
      return ok({
        totalCount: page.totalCount,
        list: page.list.map(({ user, activity }) => ({
          ...presentUser(user),
          sessions: activity.sessions,
          signedInAt: iso(activity.since),
          lastActiveAt: iso(activity.lastActiveAt),
          lastIp: activity.ip,
          device: activity.device,
        })),
      });
    },
  );

  app.post(
    '/api/v2/users/kick',
    {
      schema: {
        tags,
        summary: 'End every session of these users, in every app',
        body: UserIds,
        response: { 200: Envelope(EndSummarySchema) },
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      return ok(
        summary(await services.logout.kickFromPool(poolId, req.body.userIds, actor)),
        'forced logout success',
      );
    },
  );

  app.get(
    '/logout',
    {
      schema: {
        tags,
        summary: "Authing's user logout: a user out of one app (appId) or of every app",
        querystring: Type.Object({ userId: Id, appId: Type.Optional(Id) }),
        response: { 200: Envelope(EndSummarySchema) },
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      const { userId, appId } = req.query;
      if (appId !== undefined) {
        await appOf(poolId, appId);
        return ok(
          summary(await services.logout.kickFromApp(poolId, appId, [userId], actor)),
          'forced logout success',
        );
      }
      return ok(
        summary(await services.logout.kickFromPool(poolId, [userId], actor)),
        'forced logout success',
      );
    },
  );

  app.get(
    '/api/v2/users/login-status',
    {
      schema: {
        tags,
        summary: 'Whether a user is signed in (to an app, when named)',
        querystring: Type.Object({
          userId: Id,
          appId: Type.Optional(Id),
          deviceId: Type.Optional(Type.String({ maxLength: 256 })),
        }),
        response: {
          200: Envelope(
            Type.Object({
              isLogin: Type.Boolean(),
              user: Type.Optional(UserSchema),
              application: Type.Optional(AppSchema),
            }),
          ),
        },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const { userId, appId } = req.query;
      const user = await services.users.get(poolId, userId);
      if (!user) throw errors.userNotFound();
      const application = appId === undefined ? null : await appOf(poolId, appId);
      const isLogin = await services.sessions.isSignedIn(poolId, userId, appId ?? null);
      return ok({
        isLogin,
        user: presentUser(user),
        ...(application ? { application: presentApp(application) } : {}),
      });
    },
  );

  app.get(
    '/api/v2/audit/session-ends',
    {
      schema: {
        tags,
        summary: 'Every session end of the pool, newest first: when, why, who, how many',
        querystring: Paging,
        response: {
          200: Envelope(Type.Object({ totalCount: Type.Integer(), list: Type.Array(SessionEndSchema) })),
        },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const limit = req.query.limit ?? 10;
      const page = await services.store.audit.listSessionEnds(
        poolId,
        ((req.query.page ?? 1) - 1) * limit,
        limit,
      );
      return ok({ totalCount: page.totalCount, list: page.list.map(presentEnd) });
    },
  );

  app.get(
    '/api/v2/audit/credential-changes',
    {
      schema: {
        tags,
        summary:
          "Every password change and reset of the pool's users, newest first: who, why, which sessions ended",
        querystring: Paging,
        response: {
          200: Envelope(
            Type.Object({ totalCount: Type.Integer(), list: Type.Array(CredentialChangeSchema) }),
          ),
        },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const page = await services.audit.credentialChanges(poolId, req.query.page ?? 1, req.query.limit ?? 10);
      return ok({ totalCount: page.totalCount, list: page.list.map(presentCredentialChange) });
    },
  );

  const jobResponse = { 200: Envelope(BulkLogoutSchema) };
  app.post(
    '/api/v2/applications/:appId/logout-all',
    {
      schema: {
        tags,
        summary: 'Log everyone out of an app (a job: poll its status)',
        params: AppParams,
        response: jobResponse,
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      await appOf(poolId, req.params.appId);
      return ok(
        presentJob(await services.bulkLogouts.start(poolId, req.params.appId, actor)),
        'bulk logout started',
      );
    },
  );
  app.post(
    '/api/v2/userpools/logout-all',
    {
      schema: {
        tags,
        summary: 'Log everyone out of every app of the pool (a job: poll its status)',
        response: jobResponse,
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      return ok(presentJob(await services.bulkLogouts.start(poolId, null, actor)), 'bulk logout started');
    },
  );
  app.get(
    '/api/v2/bulk-logouts/:jobId',
    {
      schema: {
        tags,
        summary: 'Progress of a bulk logout',
        params: Type.Object({ jobId: Id }),
        response: jobResponse,
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const job = await services.bulkLogouts.get(poolId, req.params.jobId);
      if (!job) throw errors.notFound('Bulk logout not found');
      return ok(presentJob(job));
    },
  );
  app.get(
    '/api/v2/bulk-logouts',
    {
      schema: {
        tags,
        summary: 'Recent bulk logouts of the pool',
        response: { 200: Envelope(Type.Array(BulkLogoutSchema)) },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      return ok((await services.bulkLogouts.list(poolId)).map(presentJob));
    },
  );
};
