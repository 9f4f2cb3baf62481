// A pool's users: the list (newest first, or matching a search), a page at a time, and
// creating a user. A user's own page and what ends their sessions are in user-routes.ts.
import { type ProfileProblems, profileProblems } from '../../../domain/user-directory/user-directory.ts';
import type { HttpContext } from '../../context.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import { type ConsoleGuard, type PoolRequest, positive, type Signed, show } from './console-guard.ts';
import { poolPath, userPath } from './console-layout.ts';
import { type NewUserForm, usersPage } from './users-view.ts';

const USERS_PAGE_SIZE = 25;
const EMPTY_FORM: NewUserForm = { username: '', email: '', name: '' };

/** A text field of a form, trimmed, at most `max` characters kept; blank is null. */
export const text = (body: unknown, name: string, max: number) => {
  const value = (single(body, name) ?? '').trim().slice(0, max + 1);
  return value === '' ? null : value;
};

export function usersRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  async function renderList(
    req: PoolRequest,
    reply: Parameters<typeof show>[0],
    s: Signed,
    extra: { form?: NewUserForm; errors?: ProfileProblems; status?: number } = {},
  ) {
    const query = (single(req.query, 'q') ?? '').trim().slice(0, 254);
    const page = positive(single(req.query, 'page'));
    const users = await services.userDirectory.list(s.pool.id, query || null, page, USERS_PAGE_SIZE);
    return show(
      reply,
      usersPage(guard.frame(req, reply, s, 'users'), {
        query,
        page,
        pageSize: USERS_PAGE_SIZE,
        users,
        form: extra.form ?? EMPTY_FORM,
        errors: extra.errors ?? {},
      }),
      extra.status ?? 200,
    );
  }

  app.get<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/users',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply);
      if (!s) return reply;
      return renderList(req, reply, s);
    },
  );

  app.post<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/users',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply, { form: true });
      if (!s) return reply;
      const input = {
        username: text(req.body, 'username', 100),
        email: text(req.body, 'email', 254),
        name: text(req.body, 'name', 200),
      };
      const password = (single(req.body, 'password') ?? '').slice(0, 257);
      const form = { username: input.username ?? '', email: input.email ?? '', name: input.name ?? '' };
      const errors = profileProblems(input, password);
      if (Object.keys(errors).length > 0) return renderList(req, reply, s, { form, errors, status: 400 });
      const created = await services.users.create(s.pool.id, { ...input, password });
      if (!created.ok) {
        const taken = created.conflict === 'email' ? 'email' : 'username';
        const refused = { [taken]: 'is already taken by another user of this pool' };
        return renderList(req, reply, s, { form, errors: refused, status: 409 });
      }
      return redirectTo(reply, `${userPath(s.pool.id, created.user.id)}?notice=user-created`);
    },
  );

  app.post<{ Params: { poolId: string } }>(
    '/console/pools/:poolId/sign-up',
    { schema: { hide: true } },
    async (req, reply) => {
      const s = await guard.signedIn(req, reply, { form: true });
      if (!s) return reply;
      const enabled = single(req.body, 'enabled');
      if (enabled !== 'on' && enabled !== 'off') return redirectTo(reply, `${poolPath(s.pool.id)}/users`);
      await services.pools.updateSettings(s.pool.id, { signUpEnabled: enabled === 'on' });
      return redirectTo(reply, `${poolPath(s.pool.id)}/users?notice=sign-up-${enabled}#sign-up-title`);
    },
  );
}
