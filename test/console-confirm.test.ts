// Every destructive console action asks first (issue 11). Pages have no script, so the first
// post answers a confirmation page — what will end, who, how many sessions — and changes
// nothing; its Confirm form carries the same fields, a CSRF token and confirm=yes, and only
// that post acts; Cancel is a link back. A post with any other confirm value is a first post.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmationOf, consoleClient, csrfOf } from './helpers/page-client.ts';
import { createAppAndUser, getMe, login, startTestServer, type TestServer } from './helpers/server.ts';

describe('console confirmations', () => {
  let server: TestServer;
  let appId: string;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
    } = await createAppAndUser(server, { name: 'Ledger' }));
    base = `/console/pools/${server.pool.id}`;
  });
  afterAll(() => server.close());

  const signedIn = () => consoleClient(server);

  async function signedInUser(name: string) {
    const { user } = await createAppAndUser(server, {}, { name });
    const { token } = await login(server, appId, user.username, user.password);
    return { ...user, token };
  }

  /** Everything a destructive action could have changed, to compare before and after. */
  async function state(userIds: string[]) {
    const pool = server.pool.id;
    return {
      ends: (await server.services.audit.sessionEnds(pool, 1, 1)).totalCount,
      jobs: (await server.services.bulkLogouts.list(pool, 100)).length,
      app: await server.services.apps.get(pool, appId),
      users: await Promise.all(userIds.map((id) => server.services.users.get(pool, id))),
    };
  }

  it('no destructive post ends, rotates or deletes anything before it is confirmed', async () => {
    const browser = await signedIn();
    const [ann, bob] = [await signedInUser('Ann Example'), await signedInUser('Bob Example')];
    const sid = (await server.services.sessions.listOfUser(server.pool.id, ann.id))[0]!.id;
    const app = `${base}/apps/${appId}`;
    const annPage = `${base}/users/${ann.id}`;
    const cases: { page: string; action: string; fields: Record<string, string>; says: string[] }[] = [
      {
        page: app,
        action: `${app}/force-logout`,
        fields: { userId: ann.id },
        says: [`Force logout ${ann.username} from Ledger?`, 'This will end 1 session of', 'Ann Example'],
      },
      {
        page: app,
        action: `${app}/force-logout`,
        fields: { userIds: bob.id },
        says: [`Force logout ${bob.username} from Ledger?`, 'Bob Example'],
      },
      {
        page: app,
        action: `${app}/logout-all`,
        fields: {},
        says: ['Log out everyone from Ledger?', '2 sessions of 2 users now'],
      },
      {
        page: app,
        action: `${app}/rotate-secret`,
        fields: {},
        says: ['Rotate the secret of Ledger?', 'The current secret stops working at once'],
      },
      {
        page: app,
        action: `${app}/delete`,
        fields: {},
        says: ['Delete Ledger?', 'This will end 2 sessions signed in to Ledger', 'This cannot be undone.'],
      },
      {
        page: annPage,
        action: `${annPage}/sessions/${sid}/end`,
        fields: {},
        says: [`End this session of ${ann.username}?`, 'from 127.0.0.1', 'apps: Ledger'],
      },
      {
        page: annPage,
        action: `${annPage}/end-all`,
        fields: {},
        says: [`End all sessions of ${ann.username}?`, 'their only session'],
      },
      {
        page: annPage,
        action: `${annPage}/delete`,
        fields: {},
        says: [
          `Delete ${ann.username}?`,
          `This will end 1 session of ${ann.username}`,
          'This cannot be undone.',
        ],
      },
    ];
    const before = await state([ann.id, bob.id]);
    for (const c of cases) {
      for (const confirm of [undefined, 'no', 'YES', '']) {
        const res = await browser.submit(c.page, c.action, {
          ...c.fields,
          ...(confirm === undefined ? {} : { confirm }),
        });
        expect(res.statusCode, c.action).toBe(200);
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.body, c.action).toContain('<strong>Are you sure?</strong>');
        for (const text of c.says) expect(res.body, c.action).toContain(text);
        // The Confirm form posts back to the action with the same fields, a CSRF token and confirm=yes…
        const form = confirmationOf(res.body);
        expect(form?.action, c.action).toBe(c.action);
        expect(form?.fields.get('confirm')).toBe('yes');
        expect(form?.fields.get('csrf')).toBe(csrfOf(res.body));
        // (A row's userId is carried as the one user of userIds.)
        expect(form?.fields.getAll('userIds'), c.action).toEqual(Object.values(c.fields));
        // …and Cancel is a link back to the page the action came from.
        expect(res.body).toMatch(
          new RegExp(`<a class="button button-secondary" href="${c.page}#[a-z-]+">Cancel</a>`),
        );
      }
    }
    expect(await state([ann.id, bob.id])).toEqual(before);
    expect((await getMe(server, ann.token)).statusCode).toBe(200);
    expect((await getMe(server, bob.token)).statusCode).toBe(200);
  });

  it('the confirmed post acts, and a confirmation without a valid CSRF token is refused', async () => {
    const browser = await signedIn();
    const cat = await signedInUser('Cat Example');
    const asked = await browser.submit(`${base}/apps/${appId}`, `${base}/apps/${appId}/force-logout`, {
      userId: cat.id,
    });
    const form = confirmationOf(asked.body)!;
    const forged = new URLSearchParams(form.fields);
    forged.set('csrf', 'forged');
    expect((await browser.post(form.action, forged)).statusCode).toBe(403);
    expect((await getMe(server, cat.token)).statusCode).toBe(200);
    const done = await browser.confirm(asked);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`${base}/apps/${appId}?notice=forced-logout&n=1`);
    expect((await getMe(server, cat.token)).statusCode).toBe(401);
  });

  it('a Force logout of many users names the first 20 and counts the rest', async () => {
    const browser = await signedIn();
    const headers = await server.adminHeaders();
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v2/users',
        headers,
        payload: { username: `many-${i}`, password: 'correct horse battery' },
      });
      ids.push(res.json().data.id);
    }
    const shown = await browser.get(`${base}/apps/${appId}`);
    const body = new URLSearchParams({ csrf: csrfOf(shown.body) });
    for (const id of ids) body.append('userIds', id);
    const asked = await browser.post(`${base}/apps/${appId}/force-logout`, body);
    expect(asked.body).toContain('Force logout 23 users from Ledger?');
    expect(asked.body).toContain('This will end 0 sessions of 23 users');
    expect(asked.body.match(/<li>many-\d+<\/li>/g)).toHaveLength(20);
    expect(asked.body).toContain('and 3 more users');
    expect(confirmationOf(asked.body)!.fields.getAll('userIds')).toHaveLength(23);
  });
});
