// What an administrator ends from an application's page: Force logout (one user or a checked
// set), log out everyone (a job with a page of its own), and deleting the app; and Retry failed
// on one of its event streams (not destructive: it queues given-up SETs again, no confirmation). Each first post
// answers a confirmation that says who and how many sessions, and ends nothing; only the
// confirmed post acts, through the logout service (the session core) with the administrator as
// the actor.
import type { HttpContext } from '../../context.ts';
import { handleOf } from '../layout.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { many, single } from '../params.ts';
import { bulkLogoutPage } from './app-detail-view.ts';
import { confirmed, confirmPage, counted, whoList } from './confirm-view.ts';
import { type ConsoleGuard, MAX_SELECTED, show } from './console-guard.ts';
import { appPath, poolPath } from './console-layout.ts';

/** How many users a confirmation names; the rest are counted. */
const NAMED = 20;

export function appActionsRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  app.post<{ Params: { poolId: string; appId: string; streamId: string } }>(
    '/console/pools/:poolId/apps/:appId/event-streams/:streamId/replay',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const queued = await services.streamLedger.replay(s.pool.id, found.id, req.params.streamId, 'failed');
      const back = appPath(s.pool.id, found.id);
      if (queued === null) return guard.notFound(reply, 'This app has no event stream with this id.', back);
      return redirectTo(reply, `${back}?notice=sets-replayed&n=${queued}#event-streams`);
    },
  );

  // Force logout: a row's button names its user (`userId`); Force logout selected sends the
  // checked boxes (`userIds`). Both are Authing's kick: the users' sessions in this app end.
  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/force-logout',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const one = single(req.body, 'userId');
      // Ids are at most 64 characters, as in the API; anything longer names no user.
      const userIds = [...new Set(one ? [one] : many(req.body, 'userIds'))].filter((id) => id.length <= 64);
      const back = appPath(s.pool.id, found.id);
      if (userIds.length === 0) return redirectTo(reply, `${back}?notice=nothing-selected`);
      if (userIds.length > MAX_SELECTED) return redirectTo(reply, `${back}?notice=too-many`);
      if (confirmed(req.body)) {
        const ended = await services.logout.kickFromApp(s.pool.id, found.id, userIds, s.actor);
        return redirectTo(reply, `${back}?notice=forced-logout&n=${ended.sessions}`);
      }
      const users = await services.store.users.getMany(s.pool.id, userIds);
      if (users.length === 0) return redirectTo(reply, `${back}?notice=nothing-selected`);
      const live = await services.store.sessions.countLiveOfUsers(
        s.pool.id,
        users.map((u) => u.id),
        found.id,
        services.clock.now(),
      );
      const who = users.length === 1 ? handleOf(users[0]!) : counted(users.length, 'user');
      return show(
        reply,
        confirmPage(guard.frame(req, reply, s, 'apps'), {
          title: `Force logout ${who} from ${found.name}?`,
          consequence: `This will end ${counted(live.sessions, 'session')} of ${users.length === 1 ? who : counted(users.length, 'user')} in ${found.name}: their tokens for it stop working at once, ${found.name} is notified, and they need their password to sign in to it again. Their other apps are not affected.`,
          details: whoList(
            'Users',
            users.slice(0, NAMED).map((u) => (u.name ? `${u.name} (${handleOf(u)})` : handleOf(u))),
            users.length,
          ),
          action: `${back}/force-logout`,
          fields: users.map((u) => ['userIds', u.id] as const),
          cancel: `${back}#login-status`,
        }),
      );
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/logout-all',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      if (confirmed(req.body)) {
        const job = await services.bulkLogouts.start(s.pool.id, found.id, s.actor);
        return redirectTo(reply, `${poolPath(s.pool.id)}/bulk-logouts/${encodeURIComponent(job.id)}`);
      }
      const [sessions, users] = await Promise.all([
        services.store.sessions.countLive(s.pool.id, found.id),
        services.sessions.activeUsersOfApp(s.pool.id, found.id, 1, 1),
      ]);
      const path = appPath(s.pool.id, found.id);
      return show(
        reply,
        confirmPage(guard.frame(req, reply, s, 'apps'), {
          title: `Log out everyone from ${found.name}?`,
          consequence: `This will end every session in ${found.name} — ${counted(sessions, 'session')} of ${counted(users.totalCount, 'user')} now — as a background job: their tokens for it stop working, ${found.name} is notified of each, and everyone needs their password to sign in to it again.`,
          action: `${path}/logout-all`,
          cancel: `${path}#login-status`,
        }),
      );
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/delete',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const sessions = await services.store.sessions.countLive(s.pool.id, found.id);
      if (confirmed(req.body)) {
        await services.apps.delete(s.pool.id, found.id, s.actor);
        return redirectTo(reply, `${poolPath(s.pool.id)}/apps?notice=app-deleted&n=${sessions}`);
      }
      const path = appPath(s.pool.id, found.id);
      return show(
        reply,
        confirmPage(guard.frame(req, reply, s, 'apps'), {
          title: `Delete ${found.name}?`,
          consequence: `This will end ${counted(sessions, 'session')} signed in to ${found.name} (its users stay signed in to their other apps), and ${found.name} can no longer sign anyone in: its secret stops working and its settings are gone. Logout notices already owed to it are still sent. This cannot be undone.`,
          action: `${path}/delete`,
          cancel: `${path}#delete-app-title`,
        }),
      );
    },
  );

  app.get<{ Params: { poolId: string; jobId: string } }>(
    '/console/pools/:poolId/bulk-logouts/:jobId',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      const job = await services.bulkLogouts.get(s.pool.id, req.params.jobId);
      if (!job)
        return guard.notFound(
          reply,
          'This pool has no bulk logout with this id.',
          `${poolPath(s.pool.id)}/apps`,
        );
      const target = job.appId ? await services.apps.get(s.pool.id, job.appId) : null;
      return show(reply, bulkLogoutPage(guard.frame(req, reply, s, 'apps'), job, target));
    },
  );
}
