// Management of a pool's users, their passwords and their sessions (CONTRACT §4).
import { Type } from 'typebox';
import { usernameProblem } from '../../domain/users/username.ts';
import { requireAdmin } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import {
  EndSummarySchema,
  PasswordChangedSchema,
  presentSession,
  presentUser,
  SessionSchema,
  UserSchema,
} from '../presenters.ts';

const UserBody = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^@\\s]+$' })),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' })),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const SetPasswordBody = Type.Object(
  {
    password: Type.String({ minLength: 8, maxLength: 256 }),
    endSessions: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'End every session of the user (default); false keeps them',
      }),
    ),
  },
  { additionalProperties: false },
);
const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) });
const UserList = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  query: Type.Optional(
    Type.String({
      maxLength: 254,
      description: 'Part of a username or email, ignoring case (`%` and `_` are literal)',
    }),
  ),
});
const SessionParams = Type.Object({ sid: Type.String({ minLength: 1, maxLength: 64 }) });

export const userRoutes: RouteModule = (app, { services }) => {
  const tags = ['management'];

  app.post(
    '/api/v2/users',
    { schema: { tags, summary: 'Create a user', body: UserBody, response: { 200: Envelope(UserSchema) } } },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      if (!req.body.username && !req.body.email)
        throw errors.invalid('body/username or body/email is required');
      const problem = req.body.username === undefined ? null : usernameProblem(req.body.username);
      if (problem) throw errors.invalid(`body/username ${problem}`);
      const created = await services.users.create(poolId, req.body);
      if (!created.ok) throw errors.conflict(`body/${created.conflict} is already taken in this user pool`);
      return ok(presentUser(created.user));
    },
  );

  app.get(
    '/api/v2/users',
    {
      schema: {
        tags,
        summary: "A page of the pool's users, newest first, optionally matching a query",
        querystring: UserList,
        response: {
          200: Envelope(Type.Object({ totalCount: Type.Integer(), list: Type.Array(UserSchema) })),
        },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const page = await services.userDirectory.list(
        poolId,
        req.query.query ?? null,
        req.query.page ?? 1,
        req.query.limit ?? 10,
      );
      return ok({ totalCount: page.totalCount, list: page.list.map(presentUser) });
    },
  );

  app.get(
    '/api/v2/users/:userId',
    { schema: { tags, summary: 'Get a user', params: UserParams, response: { 200: Envelope(UserSchema) } } },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const user = await services.users.get(poolId, req.params.userId);
      if (!user) throw errors.userNotFound();
      return ok(presentUser(user));
    },
  );

  app.delete(
    '/api/v2/users/:userId',
    {
      schema: {
        tags,
        summary: 'Delete a user, ending all their sessions',
        params: UserParams,
        response: { 200: Envelope(Type.Boolean()) },
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      if (!(await services.users.delete(poolId, req.params.userId, actor))) throw errors.userNotFound();
      return ok(true, 'user deleted');
    },
  );

  app.post(
    '/api/v2/users/:userId/password',
    {
      schema: {
        tags,
        summary: "Set a user's password; all their sessions end unless endSessions is false",
        params: UserParams,
        body: SetPasswordBody,
        response: { 200: Envelope(PasswordChangedSchema) },
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      const result = await services.users.setPassword(poolId, req.params.userId, req.body.password, {
        endSessions: req.body.endSessions ?? true,
        actor,
      });
      if (!result.ok) {
        if (result.reason === 'invalid_password') throw errors.invalid(`body/password ${result.problem}`);
        throw errors.userNotFound();
      }
      const user = await services.users.get(poolId, req.params.userId);
      if (!user) throw errors.userNotFound();
      return ok(
        { user: presentUser(user), ended: result.ended?.sessions ?? 0, changeId: result.change.id },
        'password set',
      );
    },
  );

  app.get(
    '/api/v2/users/:userId/sessions',
    {
      schema: {
        tags,
        summary: "A user's live sessions, with device, IP and apps",
        params: UserParams,
        response: { 200: Envelope(Type.Array(SessionSchema)) },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      if (!(await services.users.get(poolId, req.params.userId))) throw errors.userNotFound();
      const sessions = await services.sessions.listOfUser(poolId, req.params.userId);
      return ok(sessions.map((s) => presentSession(s)));
    },
  );

  app.delete(
    '/api/v2/sessions/:sid',
    {
      schema: {
        tags,
        summary: 'End one session',
        params: SessionParams,
        response: { 200: Envelope(EndSummarySchema) },
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      const ended = await services.logout.endSessionAsAdmin(poolId, req.params.sid, actor);
      if (!ended) throw errors.sessionNotFound();
      return ok(
        { ended: ended.sessions, appSessions: ended.appSessions, deliveries: ended.deliveries },
        'session ended',
      );
    },
  );
};
