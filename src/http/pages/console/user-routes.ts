// A user's page and what an administrator does there: edit the profile, set a new password,
// End session, End all sessions, Delete user. The destructive ones answer a confirmation first (who, how many
// sessions) and change nothing until it is confirmed; every end goes through the logout or
// users service (the session core) with the administrator as the actor.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../../domain/model.ts';
import type { ProfileProblems } from '../../../domain/user-directory/user-directory.ts';
import type { HttpContext } from '../../context.ts';
import { deviceName, formatTime } from '../formats.ts';
import { handleOf } from '../layout.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import { confirmed, confirmPage, counted } from './confirm-view.ts';
import { type ConsoleGuard, type Signed, show } from './console-guard.ts';
import { poolPath, userPath } from './console-layout.ts';
import { appsOfSession, type ProfileForm, profileFormOf, userPage } from './user-view.ts';
import { text } from './users-routes.ts';

type UserParams = { poolId: string; userId: string };
type UserRequest = FastifyRequest<{ Params: UserParams }>;

export function userRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  /** The user the URL names, within the pool; null after a 404 page. */
  async function userIn(s: Signed, req: UserRequest, reply: FastifyReply) {
    const user = await services.users.get(s.pool.id, req.params.userId);
    if (!user)
      void guard.notFound(reply, 'This pool has no user with this id.', `${poolPath(s.pool.id)}/users`);
    return user;
  }

  /**
   * A form posted on a user's page (`/console/pools/:poolId/users/:userId` + `suffix`): signed
   * in with a valid CSRF token and the user found in the pool, or answered already, before `act`.
   */
  function userForm<P extends object = object>(
    suffix: string,
    act: (
      s: Signed,
      user: User,
      req: FastifyRequest<{ Params: UserParams & P }>,
      reply: FastifyReply,
    ) => Promise<unknown>,
  ) {
    app.post<{ Params: UserParams & P }>(
      `/console/pools/:poolId/users/:userId${suffix}`,
      { schema: { hide: true } },
      async (req, reply) => {
        const s = await guard.signedIn(req, reply, { form: true });
        if (!s) return reply;
        const user = await userIn(s, req, reply);
        if (!user) return reply;
        return act(s, user, req, reply);
      },
    );
  }

  /** The user's page: their sessions with app names, and the forms as given (with what to fix). */
  async function showUser(
    req: FastifyRequest,
    reply: FastifyReply,
    s: Signed,
    user: User,
    forms: { form?: ProfileForm; errors?: ProfileProblems; passwordError?: string } = {},
    status = 200,
  ) {
    const [sessions, names] = await Promise.all([
      services.sessions.listOfUser(s.pool.id, user.id),
      services.apps.names(s.pool.id),
    ]);
    return show(
      reply,
      userPage(guard.frame(req, reply, s, 'users'), {
        user,
        sessions,
        appNames: names,
        form: forms.form ?? profileFormOf(user),
        errors: forms.errors ?? {},
        ...(forms.passwordError === undefined ? {} : { passwordError: forms.passwordError }),
      }),
      status,
    );
  }

  app.get<{ Params: { poolId: string; userId: string } }>(
    '/console/pools/:poolId/users/:userId',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      const user = await userIn(s, req, reply);
      if (!user) return reply;
      return showUser(req, reply, s, user);
    },
  );

  userForm('/profile', async (s, user, req, reply) => {
    const input = {
      username: text(req.body, 'username', 100),
      email: text(req.body, 'email', 254),
      name: text(req.body, 'name', 200),
    };
    const updated = await services.userDirectory.updateProfile(s.pool.id, user.id, input);
    if (updated.ok) return redirectTo(reply, `${userPath(s.pool.id, user.id)}?notice=profile-saved`);
    if (updated.reason === 'not_found')
      return guard.notFound(reply, 'This pool has no user with this id.', `${poolPath(s.pool.id)}/users`);
    const errors: ProfileProblems =
      updated.reason === 'invalid'
        ? updated.problems
        : { [updated.field]: 'is already taken by another user of this pool' };
    const form: ProfileForm = {
      username: input.username ?? '',
      email: input.email ?? '',
      name: input.name ?? '',
    };
    return showUser(req, reply, s, user, { form, errors }, updated.reason === 'invalid' ? 400 : 409);
  });

  userForm('/password', async (s, user, req, reply) => {
    // Not trimmed: spaces are the password's own.
    const password = (single(req.body, 'password') ?? '').slice(0, 1024);
    const result = await services.users.setPassword(s.pool.id, user.id, password, {
      endSessions: single(req.body, 'keepSessions') !== 'on',
      actor: s.actor,
    });
    const path = userPath(s.pool.id, user.id);
    if (result.ok) return redirectTo(reply, `${path}?notice=password-set&n=${result.ended?.sessions ?? 0}`);
    if (result.reason === 'not_found')
      return guard.notFound(reply, 'This pool has no user with this id.', `${poolPath(s.pool.id)}/users`);
    return showUser(req, reply, s, user, { passwordError: result.problem ?? 'was refused' }, 400);
  });

  userForm<{ sid: string }>('/sessions/:sid/end', async (s, user, req, reply) => {
    const path = userPath(s.pool.id, user.id);
    if (confirmed(req.body)) {
      const ended = await services.logout.endSessionAsAdmin(s.pool.id, req.params.sid, s.actor);
      return redirectTo(reply, `${path}?notice=${ended ? 'session-ended' : 'already-ended'}`);
    }
    const session = (await services.sessions.listOfUser(s.pool.id, user.id)).find(
      (x) => x.id === req.params.sid && x.endedAt === null,
    );
    if (!session) return redirectTo(reply, `${path}?notice=already-ended`);
    const apps = appsOfSession(session, await services.apps.names(s.pool.id));
    const frame = guard.frame(req, reply, s, 'users');
    return show(
      reply,
      confirmPage(frame, {
        title: `End this session of ${handleOf(user)}?`,
        consequence: `This will end the session on ${deviceName(session)} from ${session.ip ?? 'an unknown address'}, signed in since ${formatTime(session.createdAt, frame.timeZone)} (apps: ${apps}): that device is signed out of every app at once, and each app is notified. Their other sessions go on.`,
        action: `${path}/sessions/${encodeURIComponent(session.id)}/end`,
        cancel: `${path}#sessions-title`,
      }),
    );
  });

  userForm('/end-all', async (s, user, req, reply) => {
    const path = userPath(s.pool.id, user.id);
    if (confirmed(req.body)) {
      const ended = await services.logout.endUsersAsAdmin(s.pool.id, [user.id], s.actor);
      return redirectTo(reply, `${path}?notice=all-ended&n=${ended.sessions}`);
    }
    const live = await services.store.sessions.countLiveOfUsers(
      s.pool.id,
      [user.id],
      null,
      services.clock.now(),
    );
    return show(
      reply,
      confirmPage(guard.frame(req, reply, s, 'users'), {
        title: `End all sessions of ${handleOf(user)}?`,
        consequence: `This will end ${live.sessions === 1 ? 'their only session' : `all ${counted(live.sessions, 'session')}`} of ${handleOf(user)}, on every device and in every app: their tokens stop working at once, the apps are notified, and they need their password to sign in again.`,
        action: `${path}/end-all`,
        cancel: `${path}#sessions-title`,
      }),
    );
  });

  userForm('/delete', async (s, user, req, reply) => {
    const live = await services.store.sessions.countLiveOfUsers(
      s.pool.id,
      [user.id],
      null,
      services.clock.now(),
    );
    if (confirmed(req.body)) {
      await services.users.delete(s.pool.id, user.id, s.actor);
      return redirectTo(reply, `${poolPath(s.pool.id)}/users?notice=user-deleted&n=${live.sessions}`);
    }
    const path = userPath(s.pool.id, user.id);
    const handle = handleOf(user);
    return show(
      reply,
      confirmPage(guard.frame(req, reply, s, 'users'), {
        title: `Delete ${handle}?`,
        consequence: `This will end ${counted(live.sessions, 'session')} of ${handle} at once — every app is notified — and remove the account: ${handle} can no longer sign in, and the username and email are free for another user. This cannot be undone.`,
        action: `${path}/delete`,
        cancel: `${path}#delete-user-title`,
      }),
    );
  });
}
