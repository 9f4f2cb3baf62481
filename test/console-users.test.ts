// The console's users and apps as an administrator manages them (issue 11), in process: the
// users list without a search and its paging, creating, editing and deleting a user, deleting
// an app, and an audit trail that names its actors, apps and the users it logged out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/domain/ids.ts';
import { consoleClient, pageClient } from './helpers/page-client.ts';
import {
  TEST_ADMIN as ADMIN,
  createAppAndUser,
  getMe,
  login,
  startTestServer,
  type TestServer,
} from './helpers/server.ts';

const PASSWORD = 'correct horse battery';

describe('console users, apps and audit', () => {
  let server: TestServer;
  let appId: string;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
    } = await createAppAndUser(server, { name: 'Atlas' }));
    base = `/console/pools/${server.pool.id}`;
  });
  afterAll(() => server.close());

  const signedIn = () => consoleClient(server);

  const rowsOf = (body: string) =>
    [...body.matchAll(/<a class="handle" href="[^"]+\/users\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);

  it('lists the users without a search, newest first, 25 a page, with paging that keeps the search', async () => {
    const own = await startTestServer();
    try {
      for (let i = 0; i < 30; i++) {
        await own.store.users.create({
          id: newId(),
          poolId: own.pool.id,
          username: `paged-${String(i).padStart(2, '0')}`,
          email: `paged-${i}@example.com`,
          name: null,
          passwordHash: 'x',
          createdAt: Date.UTC(2026, 0, 1) + i * 1000,
          updatedAt: Date.UTC(2026, 0, 1),
        });
      }
      const browser = pageClient(own);
      await browser.submit('/console/login', '/console/login', ADMIN);
      const users = `/console/pools/${own.pool.id}/users`;
      const first = await browser.get(users);
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('30 users, newest first');
      const shown = rowsOf(first.body);
      expect(shown).toHaveLength(25);
      expect(shown[0]).toBe('paged-29');
      expect(first.body).toContain('Page 1 of 2');
      expect(first.body).toContain(`<a href="${users}?page=2">Next</a>`);
      const second = await browser.get(`${users}?page=2`);
      expect(rowsOf(second.body)).toEqual(['paged-04', 'paged-03', 'paged-02', 'paged-01', 'paged-00']);
      expect(second.body).toContain(`<a href="${users}?page=1">Previous</a>`);

      // A search pages too, and its links keep the query. paged-10…19, and paged-01 by its email.
      const found = await browser.get(`${users}?q=PAGED-1`);
      expect(found.body).toContain('11 users match “PAGED-1”');
      expect(rowsOf(found.body)).toHaveLength(11);
      expect(found.body).not.toContain('Page 1 of');
      expect(found.body).toContain(`<a href="${users}">Show all</a>`);
      const many = await browser.get(`${users}?q=paged&page=2`);
      expect(rowsOf(many.body)).toHaveLength(5);
      expect(many.body).toContain(`<a href="${users}?q=paged&amp;page=1">Previous</a>`);
    } finally {
      await own.close();
    }
  });

  it('creates a user who can then sign in; refuses what the API refuses, at its field, creating nothing', async () => {
    const browser = await signedIn();
    const users = `${base}/users`;
    const tries: [Record<string, string>, number, string][] = [
      [{ username: '', email: '', password: PASSWORD }, 400, 'id="new-username-error"'],
      [{ username: 'ok-name', email: 'not-an-email', password: PASSWORD }, 400, 'id="new-email-error"'],
      [{ username: 'has space', password: PASSWORD }, 400, 'The username must not contain @ or spaces.'],
      [{ username: 'short-pass', password: 'short' }, 400, 'The password must be 8 to 256 characters long.'],
    ];
    for (const [fields, status, says] of tries) {
      const res = await browser.submit(users, users, fields);
      expect(res.statusCode, JSON.stringify(fields)).toBe(status);
      expect(res.body).toContain(says);
      expect(res.body).toContain('The user was not created.');
      expect(res.body).not.toContain(PASSWORD);
    }
    expect(await server.store.users.findByAccount(server.pool.id, 'ok-name')).toBeNull();

    const created = await browser.submit(users, users, {
      username: ' maria ',
      email: 'Maria@Example.com',
      name: 'Maria Sibylla',
      password: PASSWORD,
    });
    expect(created.statusCode).toBe(303);
    const maria = await server.store.users.findByAccount(server.pool.id, 'maria');
    expect(maria).toMatchObject({ username: 'maria', email: 'maria@example.com', name: 'Maria Sibylla' });
    expect(created.headers.location).toBe(`${users}/${maria!.id}?notice=user-created`);
    expect((await browser.get(created.headers.location as string)).body).toContain('User created.');
    await login(server, appId, 'maria@example.com', PASSWORD);

    const taken = await browser.submit(users, users, { username: 'maria', password: PASSWORD });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('The username is already taken by another user of this pool.');
  });

  it('edits a user’s username, email and name; a taken one is refused at its field', async () => {
    const browser = await signedIn();
    const { user } = await createAppAndUser(server, {}, { name: 'Old Name' });
    const { user: other } = await createAppAndUser(server);
    const page = `${base}/users/${user.id}`;
    const shown = await browser.get(page);
    expect(shown.body).toContain(`value="${user.username}"`);
    expect(shown.body).toContain('value="Old Name"');

    const saved = await browser.submit(page, `${page}/profile`, {
      username: `${user.username}-renamed`,
      email: 'Renamed@Example.com',
      name: '',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`${page}?notice=profile-saved`);
    expect(await server.services.users.get(server.pool.id, user.id)).toMatchObject({
      username: `${user.username}-renamed`,
      email: 'renamed@example.com',
      name: null,
    });
    await login(server, appId, `${user.username}-renamed`, user.password);

    const taken = await browser.submit(page, `${page}/profile`, { username: other.username, email: '' });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('id="username-error"');
    expect(taken.body).toContain('The username is already taken by another user of this pool.');
    const empty = await browser.submit(page, `${page}/profile`, { username: '', email: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('The username or an email is needed');
    expect((await server.services.users.get(server.pool.id, user.id))?.username).toBe(
      `${user.username}-renamed`,
    );
  });

  it('deletes a user after the confirmation: their sessions end, the account is gone', async () => {
    const browser = await signedIn();
    const { user } = await createAppAndUser(server);
    const { token } = await login(server, appId, user.username, user.password);
    const page = `${base}/users/${user.id}`;
    const asked = await browser.submit(page, `${page}/delete`, {});
    expect(asked.body).toContain(`Delete ${user.username}?`);
    const done = await browser.confirm(asked);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`${base}/users?notice=user-deleted&n=1`);
    expect((await browser.get(done.headers.location as string)).body).toContain(
      'User deleted: 1 session ended.',
    );
    expect((await getMe(server, token)).statusCode).toBe(401);
    expect((await browser.get(page)).statusCode).toBe(404);
    expect((await server.services.audit.sessionEnds(server.pool.id, 1, 1)).list[0]).toMatchObject({
      reason: 'user_deleted',
      actor: { type: 'admin', id: 'admin@example.com' },
    });
  });

  it('deletes an app after the confirmation: its sessions end, the users’ other apps go on', async () => {
    const browser = await signedIn();
    const { app: doomed, user } = await createAppAndUser(server, { name: 'Doomed' });
    const inDoomed = await login(server, doomed.id, user.username, user.password);
    const inAtlas = await login(server, appId, user.username, user.password);
    const page = `${base}/apps/${doomed.id}`;
    const asked = await browser.submit(page, `${page}/delete`, {});
    expect(asked.body).toContain('Delete Doomed?');
    expect(asked.body).toContain('This will end 1 session signed in to Doomed');
    const done = await browser.confirm(asked);
    expect(done.headers.location).toBe(`${base}/apps?notice=app-deleted&n=1`);
    const apps = await browser.get(done.headers.location as string);
    expect(apps.body).toContain('Application deleted: 1 session signed in to it ended.');
    expect(apps.body).not.toContain('>Doomed</a>');
    expect((await getMe(server, inDoomed.token)).statusCode).toBe(401);
    expect((await getMe(server, inAtlas.token)).statusCode).toBe(200);
    expect((await browser.get(page)).statusCode).toBe(404);
  });

  it('the audit names who did it, who was logged out and from which apps; an id only when its record is gone', async () => {
    const browser = await signedIn();
    const { app: gone } = await createAppAndUser(server, { name: 'Gone App' });
    const kicked = [];
    for (let i = 0; i < 12; i++) {
      const { user } = await createAppAndUser(
        server,
        {},
        { username: `kicked-${String(i).padStart(2, '0')}` },
      );
      await login(server, gone.id, user.username, user.password);
      kicked.push(user);
    }
    const admin = { type: 'admin' as const, id: 'admin@example.com' };
    await server.services.logout.kickFromApp(
      server.pool.id,
      gone.id,
      kicked.map((u) => u.id),
      admin,
    );
    // A user's own logout, then an end by someone whose record never existed.
    const own = await login(server, appId, kicked[0]!.username, kicked[0]!.password);
    await server.app.inject({
      method: 'POST',
      url: '/api/v2/logout',
      headers: { authorization: `Bearer ${own.token}` },
    });
    await server.services.apps.delete(server.pool.id, gone.id, admin);
    const stray = await login(server, appId, kicked[1]!.username, kicked[1]!.password);
    const sid = server.services.tokens.verifyAccessToken(stray.token);
    if (!sid.ok) throw new Error('token');
    await server.services.core.endSessions(
      { scope: 'sessions', poolId: server.pool.id, sessionIds: [sid.claims.sessionId] },
      'user_logout',
      { type: 'user', id: 'no-such-user-record' },
    );

    const audit = await browser.get(`${base}/audit`);
    expect(audit.statusCode).toBe(200);
    const rows = audit.body.split('<tr>').slice(2);
    // Newest first; the app's deletion ended nothing more (the kick had), so it wrote no record.
    const [strayRow, ownRow, kickRow] = rows;
    expect(strayRow).toContain('<code class="id">no-such-user-record</code>');
    expect(strayRow).toContain(`>${kicked[1]!.username}</a>`);
    expect(ownRow).toContain(`>${kicked[0]!.username}</a><span class="muted small block">the user</span>`);
    expect(ownRow).not.toMatch(/user: [0-9a-f]{24}/);
    expect(kickRow).toContain('Administrator forced logout');
    expect(kickRow).toContain('admin@example.com');
    // The first ten names, the rest counted; the deleted app still by its name.
    expect(kickRow!.match(/>kicked-\d\d<\/a>/g)).toHaveLength(10);
    expect(kickRow).toContain('and 2 more users');
    expect(kickRow).toContain('12 sessions');
    expect(kickRow).toContain('<span>Gone App</span> <span class="muted small">(deleted)</span>');
    expect(audit.body).not.toContain(gone.id);
  });
});
