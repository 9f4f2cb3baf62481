// A pool's users: the search, a user's page with their sessions, and ending one session or all
// of them through the logout service, with the administrator as the actor.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../../context.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import { type ConsoleGuard, type Signed, show } from './console-guard.ts';
import { poolPath, userPath } from './console-layout.ts';
import { userPage, usersPage } from './users-view.ts';

type UserRequest = FastifyRequest<{ Params: { poolId: string; userId: string } }>;

export function usersRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/users',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      const query = (single(req.query, 'q') ?? '').trim().slice(0, 254);
      const found = query === '' ? null : await services.users.search(s.pool.id, query, 50);
      return show(reply, usersPage(guard.frame(req, reply, s, 'users'), query, found));
    },
  );

  /** The user the URL names, within the pool; null after a 404 page. */
  async function userIn(s: Signed, req: UserRequest, reply: FastifyReply) {
    const user = await services.users.get(s.pool.id, req.params.userId);
    if (!user)
      void guard.notFound(reply, 'This pool has no user with this id.', `${poolPath(s.pool.id)}/users`);
    return user;
  }

  app.get<{ Params: { poolId: string; userId: string } }>(
    '/console/pools/:poolId/users/:userId',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      const user = await userIn(s, req, reply);
      if (!user) return reply;
      const [sessions, apps] = await Promise.all([
        services.sessions.listOfUser(s.pool.id, user.id),
        services.apps.list(s.pool.id),
      ]);
      return show(
        reply,
        userPage(guard.frame(req, reply, s, 'users'), {
          user,
          sessions,
          appNames: new Map(apps.map((a) => [a.id, a.name])),
        }),
      );
    },
  );

  app.post<{ Params: { poolId: string; userId: string; sid: string } }>(
    '/console/pools/:poolId/users/:userId/sessions/:sid/end',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply, { form: true });
      if (!s) return reply;
      const user = await userIn(s, req, reply);
      if (!user) return reply;
      const ended = await services.logout.endSessionAsAdmin(s.pool.id, req.params.sid, s.actor);
      return redirectTo(
        reply,
        `${userPath(s.pool.id, user.id)}?notice=${ended ? 'session-ended' : 'already-ended'}`,
      );
    },
  );

  app.post<{ Params: { poolId: string; userId: string } }>(
    '/console/pools/:poolId/users/:userId/end-all',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply, { form: true });
      if (!s) return reply;
      const user = await userIn(s, req, reply);
      if (!user) return reply;
      const ended = await services.logout.endUsersAsAdmin(s.pool.id, [user.id], s.actor);
      return redirectTo(reply, `${userPath(s.pool.id, user.id)}?notice=all-ended&n=${ended.sessions}`);
    },
  );
}
