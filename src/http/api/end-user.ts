// End-user API (CONTRACT §5): sign in, who am I, log out (this session, my others, all), my
// sessions, and my password. Every logout here is one call into the session core via the
// logout service; a password change ends the other sessions through it too.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { LogoutScope } from '../../domain/logout/logout.ts';
import { countThrottled } from '../../metrics.ts';
import { APP_HEADER, headerValue, POOL_HEADER, requireUser, type UserPrincipal } from '../auth.ts';
import type { HttpContext, RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import {
  PasswordChangedSchema,
  presentSession,
  presentUser,
  SessionSchema,
  UserSchema,
} from '../presenters.ts';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../session-cookie.ts';

const LoginBody = Type.Object(
  {
    account: Type.String({ minLength: 1, maxLength: 254, description: 'Username or email' }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    appId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

const LoginData = Type.Object({
  user: UserSchema,
  token: Type.String({ description: 'Access token (JWT) for the app' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

// An enum rather than a union of literals: its validation error lists the allowed values.
const Scope = Type.Unsafe<LogoutScope>({
  type: 'string',
  enum: ['local', 'others', 'global'],
  description: 'local: this session (default); others: my other sessions; global: all my sessions',
});
const LogoutQuery = Type.Object({
  scope: Type.Optional(Scope),
  app_id: Type.Optional(Type.String({ maxLength: 64 })),
});
const LogoutData = Type.Object({
  user: UserSchema,
  token: Type.Union([Type.String(), Type.Null()], {
    description: 'The token just revoked (null with a cookie)',
  }),
  scope: Scope,
  ended: Type.Integer({ description: 'Sessions ended' }),
});

const PasswordBody = Type.Object(
  {
    oldPassword: Type.String({ minLength: 1, maxLength: 256, description: 'The current password' }),
    newPassword: Type.String({ minLength: 8, maxLength: 256 }),
    keepOtherSessions: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Keep my other sessions signed in (by default they end; this one goes on)',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * A throttle's refusal as the API says it: 429 with Retry-After (seconds), counted in the
 * metrics by route.
 */
export function throttledError(
  ctx: HttpContext,
  req: FastifyRequest,
  reply: FastifyReply,
  retryAt: number,
  what: string,
) {
  countThrottled(ctx.services.metrics, req);
  const seconds = Math.max(1, Math.ceil((retryAt - ctx.services.clock.now()) / 1000));
  reply.header('retry-after', String(seconds));
  return errors.tooManyRequests(`${what}: try again in ${seconds} seconds`);
}

export interface LoginRequest {
  appId: string | null;
  account: string;
  password: string;
}

/** Password sign-in shared by the Authing-shaped and Kontenbase-shaped routes. */
export async function signIn(
  ctx: HttpContext,
  req: FastifyRequest,
  reply: FastifyReply,
  input: LoginRequest,
) {
  const appId = input.appId ?? headerValue(req, APP_HEADER);
  if (!appId) throw errors.invalid(`body/appId or headers/${APP_HEADER} is required`);
  const result = await ctx.services.login.withPassword({
    appId,
    poolId: headerValue(req, POOL_HEADER),
    account: input.account,
    password: input.password,
    cookieSecret: readSessionCookie(req),
    userAgent: headerValue(req, 'user-agent'),
    ip: req.ip,
  });
  if (!result.ok) {
    if (result.reason === 'throttled') {
      throw throttledError(ctx, req, reply, result.retryAt, 'Too many failed sign-ins');
    }
    throw result.reason === 'app_not_found' ? errors.appNotFound() : errors.badCredentials();
  }
  if (result.newCookieSecret) setSessionCookie(reply, result.newCookieSecret, ctx.cookie);
  return result;
}

/** Logs the caller out with a scope; clears the cookie when the caller's own session ended. */
export async function signOut(
  ctx: HttpContext,
  reply: FastifyReply,
  principal: UserPrincipal,
  scope: LogoutScope,
) {
  const user = await ctx.services.users.get(principal.poolId, principal.userId);
  const summary = await ctx.services.logout.logout(principal, scope);
  if (scope !== 'others') clearSessionCookie(reply, ctx.cookie);
  return { user, summary };
}

export const endUserRoutes: RouteModule = (app, ctx) => {
  const { services } = ctx;
  const tags = ['end user'];

  app.post(
    '/api/v2/login/account',
    {
      schema: {
        tags,
        summary: 'Sign in with account and password',
        body: LoginBody,
        response: { 200: Envelope(LoginData) },
      },
    },
    async (req, reply) => {
      const result = await signIn(ctx, req, reply, {
        appId: req.body.appId ?? null,
        account: req.body.account,
        password: req.body.password,
      });
      return ok({
        user: presentUser(result.user),
        token: result.token,
        expiresAt: new Date(result.expiresAt).toISOString(),
      });
    },
  );

  app.get(
    '/api/v2/users/me',
    { schema: { tags, summary: 'The signed-in user', response: { 200: Envelope(UserSchema) } } },
    async (req) => {
      const principal = await requireUser(services, req);
      const user = await services.users.profile(principal.poolId, principal.userId);
      if (!user) throw errors.notLoggedIn();
      return ok(presentUser(user));
    },
  );

  const logoutHandler = async (
    req: FastifyRequest<{ Querystring: { scope?: LogoutScope } }>,
    reply: FastifyReply,
  ) => {
    const scope = req.query.scope ?? 'local';
    // A GET can be a cross-site link or image, and the Lax session cookie goes with it: GET may
    // end this browser's session (its documented use, Authing's), never the user's others.
    if (req.method === 'GET' && scope !== 'local') {
      reply.header('allow', 'POST');
      throw errors.methodNotAllowed(`scope=${scope} logs other sessions out: use POST`);
    }
    const principal = await requireUser(services, req);
    const { user, summary } = await signOut(ctx, reply, principal, scope);
    if (!user) throw errors.notLoggedIn();
    return ok(
      { user: presentUser(user), token: principal.token, scope, ended: summary.sessions },
      'logout success',
    );
  };
  const logoutSchema = {
    tags,
    summary: 'Log out: this session, my other sessions, or all of them',
    querystring: LogoutQuery,
    response: { 200: Envelope(LogoutData) },
  };
  app.post('/api/v2/logout', { schema: logoutSchema }, logoutHandler);
  app.get('/api/v2/logout', { schema: logoutSchema }, logoutHandler);

  app.get(
    '/api/v2/users/me/sessions',
    {
      schema: {
        tags,
        summary: 'My live sessions (current: true on this one)',
        response: { 200: Envelope(Type.Array(SessionSchema)) },
      },
    },
    async (req) => {
      const principal = await requireUser(services, req);
      const sessions = await services.sessions.listOfUser(principal.poolId, principal.userId);
      return ok(sessions.map((s) => presentSession(s, principal.sessionId)));
    },
  );

  app.post(
    '/api/v2/users/me/password',
    {
      schema: {
        tags,
        summary: 'Change my password; my other sessions end unless keepOtherSessions',
        body: PasswordBody,
        response: { 200: Envelope(PasswordChangedSchema) },
      },
    },
    async (req, reply) => {
      const principal = await requireUser(services, req);
      const result = await services.users.changePassword(principal, {
        currentPassword: req.body.oldPassword,
        newPassword: req.body.newPassword,
        keepOtherSessions: req.body.keepOtherSessions ?? false,
        ip: req.ip,
      });
      if (!result.ok) {
        switch (result.reason) {
          case 'not_found':
            throw errors.notLoggedIn();
          case 'invalid_password':
            throw errors.invalid(`body/newPassword ${result.problem}`);
          case 'wrong_password':
            throw errors.badCredentials('The current password is incorrect');
          case 'throttled':
            throw throttledError(ctx, req, reply, result.retryAt, 'Too many wrong passwords');
        }
      }
      const user = await services.users.get(principal.poolId, principal.userId);
      if (!user) throw errors.notLoggedIn();
      return ok(
        { user: presentUser(user), ended: result.ended?.sessions ?? 0, changeId: result.change.id },
        'password changed',
      );
    },
  );

  app.delete(
    '/api/v2/users/me/sessions/:sid',
    {
      schema: {
        tags,
        summary: 'End one of my sessions',
        params: Type.Object({ sid: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Envelope(Type.Object({ ended: Type.Integer() })) },
      },
    },
    async (req, reply) => {
      const principal = await requireUser(services, req);
      const ended = await services.logout.endOwnSession(principal, req.params.sid);
      if (!ended) throw errors.sessionNotFound();
      if (req.params.sid === principal.sessionId) clearSessionCookie(reply, ctx.cookie);
      return ok({ ended: ended.sessions }, 'session ended');
    },
  );
};
