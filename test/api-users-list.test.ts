// GET /api/v2/users (issue 11): a pool's users a page at a time in Authing's page shape
// ({ totalCount, list }), newest first, optionally matching part of a username or email; the
// pool administrator's token only, and only that pool's users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/domain/ids.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const T0 = Date.UTC(2026, 0, 1);

describe('GET /api/v2/users', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.adminHeaders();
    // Written through the store, a second apart: hashing 13 passwords would only slow the test.
    for (let i = 0; i < 12; i++) {
      const id = newId();
      ids.push(id);
      await server.store.users.create({
        id,
        poolId: server.pool.id,
        username: `lister-${String(i).padStart(2, '0')}`,
        email: i % 2 === 0 ? `even-${i}@list.example` : null,
        name: i === 3 ? 'Ada Lovelace' : null,
        passwordHash: 'x',
        createdAt: T0 + i * 1000,
        updatedAt: T0 + i * 1000,
      });
    }
    await server.services.users.delete(server.pool.id, ids[11]!, { type: 'admin', id: 'test' });
  });
  afterAll(() => server.close());

  const list = (query: string, h = headers) =>
    server.app.inject({ method: 'GET', url: `/api/v2/users${query}`, headers: h });

  it('answers the first page, newest first, with the total, in the shape of GET /api/v2/users/:userId', async () => {
    const res = await list('');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.code).toBe(200);
    expect(body.data.totalCount).toBe(11);
    expect(body.data.list).toHaveLength(10);
    expect(body.data.list[0]).toEqual({
      id: ids[10],
      userPoolId: server.pool.id,
      username: 'lister-10',
      email: 'even-10@list.example',
      name: null,
      createdAt: new Date(T0 + 10_000).toISOString(),
      updatedAt: new Date(T0 + 10_000).toISOString(),
    });
    const one = await server.app.inject({ method: 'GET', url: `/api/v2/users/${ids[10]}`, headers });
    expect(one.json().data).toEqual(body.data.list[0]);
  });

  it('pages with page and limit; a query matches part of a username or email, ignoring case', async () => {
    const second = (await list('?page=2&limit=4')).json().data;
    expect(second.totalCount).toBe(11);
    expect(second.list.map((u: { username: string }) => u.username)).toEqual([
      'lister-06',
      'lister-05',
      'lister-04',
      'lister-03',
    ]);
    expect((await list('?page=4&limit=4')).json().data).toEqual({ totalCount: 11, list: [] });

    const even = (await list('?query=EVEN-&limit=100')).json().data;
    expect(even.totalCount).toBe(6);
    expect(even.list.map((u: { username: string }) => u.username)).toEqual([
      'lister-10',
      'lister-08',
      'lister-06',
      'lister-04',
      'lister-02',
      'lister-00',
    ]);
    // Wildcards are literal; a name is not searched.
    expect((await list('?query=%25')).json().data.totalCount).toBe(0);
    expect((await list('?query=Lovelace')).json().data.totalCount).toBe(0);
  });

  it('refuses out-of-range paging (400), no token (401), and shows another pool none of these users', async () => {
    for (const query of ['?page=0', '?limit=0', '?limit=101', '?page=x', `?query=${'a'.repeat(255)}`]) {
      expect((await list(query)).statusCode, query).toBe(400);
    }
    expect((await list('', {})).statusCode).toBe(401);
    const other = await server.services.pools.create({ name: 'Other pool' });
    if (!other.ok) throw new Error('pool');
    const issued = await server.services.pools.issueAdminToken(other.pool.id, other.secret);
    if (!issued.ok) throw new Error('token');
    const elsewhere = await list('?limit=100', {
      authorization: `Bearer ${issued.accessToken}`,
      'x-authing-userpool-id': other.pool.id,
    });
    expect(elsewhere.statusCode).toBe(200);
    expect(elsewhere.json().data).toEqual({ totalCount: 0, list: [] });
  });
});
