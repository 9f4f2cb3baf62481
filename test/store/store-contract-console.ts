// The store contract's cases for what the console reads (issue 11): the users list, profile
// edits, live sessions per app, whose sessions an audited end ended, names of deleted users
// and apps, ends per hour, and one pool's outbox counts. Each case works in pools of its own,
// so that the other cases' rows never change its counts. Run by defineStoreContract.
import { expect, it } from 'vitest';
import { hashSecret, newId } from '../../src/domain/ids.ts';
import type { App, AppSession, Session, User } from '../../src/domain/model.ts';
import type { Store } from '../../src/store/store.ts';

const T0 = Date.UTC(2026, 6, 1);
const HOUR = 3_600_000;

export function defineConsoleStoreCases(storeOf: () => Store) {
  async function pool() {
    const id = `pool-${newId()}`;
    await storeOf().pools.create({
      id,
      name: id,
      secretHash: hashSecret('s'),
      signUpEnabled: false,
      createdAt: T0,
    });
    return id;
  }
  async function app(poolId: string, extra: Partial<App> = {}) {
    const a: App = {
      id: newId(),
      poolId,
      name: `app-${newId().slice(0, 6)}`,
      identifier: null,
      secretHash: hashSecret('x'),
      tokenEndpointAuthMethod: 'client_secret_basic',
      ssfEnabled: true,
      redirectUris: [],
      logoutRedirectUris: [],
      backchannelLogoutUri: null,
      createdAt: T0,
      updatedAt: T0,
      ...extra,
    };
    await storeOf().apps.create(a);
    return a;
  }
  async function user(poolId: string, extra: Partial<User> = {}) {
    const u: User = {
      id: newId(),
      poolId,
      username: `u-${newId()}`,
      email: `${newId()}@example.com`,
      name: null,
      passwordHash: 'hash',
      createdAt: T0,
      updatedAt: T0,
      ...extra,
    };
    expect(await storeOf().users.create(u)).toEqual({ ok: true });
    return u;
  }
  async function session(poolId: string, userId: string, appIds: string[], at = T0) {
    const s: Session = {
      id: newId(),
      poolId,
      userId,
      secretHash: hashSecret(newId()),
      userAgent: 'ua',
      ip: '127.0.0.1',
      device: { browser: 'Chrome 130', os: 'Linux', platform: 'desktop' },
      createdAt: at,
      authenticatedAt: at,
      lastActiveAt: at,
      idleExpiresAt: at + HOUR,
      expiresAt: at + 24 * HOUR,
      endedAt: null,
      endReason: null,
    };
    const apps: AppSession[] = appIds.map((appId) => ({
      id: newId(),
      sessionId: s.id,
      poolId,
      appId,
      userId,
      createdAt: at,
      lastActiveAt: at,
      endedAt: null,
      endReason: null,
    }));
    await storeOf().sessions.create(s, apps[0] ?? null);
    for (const a of apps.slice(1)) await storeOf().sessions.addApp(a);
    return { session: s, apps };
  }
  const meta = (at: number, reason: 'user_logout' | 'admin_kick' | 'admin_logout' = 'user_logout') => ({
    at,
    reason,
    actor: { type: 'admin' as const, id: 'root@example.com' },
    recordId: newId(),
  });

  it('users: a page newest first with its total, filtered by a query, per pool, deleted ones left out', async () => {
    const store = storeOf();
    const [P, Q] = [await pool(), await pool()];
    const made: User[] = [];
    for (let i = 0; i < 5; i++)
      made.push(await user(P, { username: `page-${i}`, email: `p${i}@list.example`, createdAt: T0 + i }));
    await user(Q, { username: 'page-9', createdAt: T0 + 9 });
    await store.users.delete(P, made[4]!.id, T0 + 10);

    const first = await store.users.list(P, null, 0, 2);
    expect(first.totalCount).toBe(4);
    expect(first.list.map((u) => u.username)).toEqual(['page-3', 'page-2']);
    expect((await store.users.list(P, null, 2, 2)).list.map((u) => u.username)).toEqual(['page-1', 'page-0']);
    expect((await store.users.list(P, null, 4, 2)).list).toEqual([]);

    const found = await store.users.list(P, 'P1@LIST', 0, 10);
    expect(found).toEqual({ totalCount: 1, list: [made[1]] });
    // Wildcards are literal; another pool's users never show.
    expect((await store.users.list(P, 'page_%', 0, 10)).totalCount).toBe(0);
    expect((await store.users.list(Q, null, 0, 10)).list.map((u) => u.username)).toEqual(['page-9']);
  });

  it('users: a profile edit changes what it names; a taken username or email is refused; scoped by pool', async () => {
    const store = storeOf();
    const [P, Q] = [await pool(), await pool()];
    const ann = await user(P, { username: 'ann', email: 'ann@example.com', name: 'Ann' });
    await user(P, { username: 'bob', email: 'bob@example.com' });

    const renamed = await store.users.updateProfile(P, ann.id, {
      name: null,
      username: 'anna',
      updatedAt: T0 + 5,
    });
    expect(renamed).toEqual({
      ok: true,
      user: { ...ann, name: null, username: 'anna', updatedAt: T0 + 5 },
    });
    expect(await store.users.get(P, ann.id)).toMatchObject({ username: 'anna', email: 'ann@example.com' });
    expect(await store.users.findByAccount(P, 'anna')).toMatchObject({ id: ann.id });

    expect(await store.users.updateProfile(P, ann.id, { username: 'bob', updatedAt: T0 + 6 })).toEqual({
      ok: false,
      reason: 'taken',
      field: 'username',
    });
    expect(
      await store.users.updateProfile(P, ann.id, { email: 'bob@example.com', updatedAt: T0 + 6 }),
    ).toEqual({ ok: false, reason: 'taken', field: 'email' });
    expect(await store.users.get(P, ann.id)).toMatchObject({ username: 'anna', updatedAt: T0 + 5 });
    expect(await store.users.updateProfile(Q, ann.id, { name: 'x', updatedAt: T0 })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    await store.users.delete(P, ann.id, T0 + 7);
    expect(await store.users.updateProfile(P, ann.id, { name: 'x', updatedAt: T0 })).toEqual({
      ok: false,
      reason: 'not_found',
    });
  });

  it('sessions: live sessions per app, and the live sessions of some users, ended and expired ones left out', async () => {
    const store = storeOf();
    const [P, Q] = [await pool(), await pool()];
    const [wiki, billing, quiet] = [await app(P), await app(P), await app(P)];
    const [u, v, w] = [await user(P), await user(P), await user(P)];
    const now = T0 + 1000;
    await session(P, u.id, [wiki.id, billing.id]);
    await session(P, u.id, [wiki.id]);
    await session(P, v.id, [wiki.id]);
    const kicked = await session(P, w.id, [wiki.id, billing.id]);
    await store.sessions.end(
      { scope: 'app-users', poolId: P, appId: billing.id, userIds: [w.id] },
      meta(now),
    );
    const ended = await session(P, w.id, [quiet.id]);
    await store.sessions.end({ scope: 'sessions', poolId: P, sessionIds: [ended.session.id] }, meta(now));
    await session(P, v.id, [quiet.id], T0 - 2 * HOUR); // idle-expired by now
    const elsewhere = await user(Q);
    await session(Q, elsewhere.id, [wiki.id]);

    expect(await store.sessions.liveByApp(P, now)).toEqual([
      { appId: wiki.id, sessions: 4, users: 3 },
      { appId: billing.id, sessions: 1, users: 1 },
    ]);
    expect(kicked.apps).toHaveLength(2);
    expect(await store.sessions.countLiveOfUsers(P, [u.id, w.id, 'nobody'], wiki.id, now)).toEqual({
      users: 2,
      sessions: 3,
    });
    expect(await store.sessions.countLiveOfUsers(P, [w.id], billing.id, now)).toEqual({
      users: 0,
      sessions: 0,
    });
    expect(await store.sessions.countLiveOfUsers(P, [u.id, v.id], null, now)).toEqual({
      users: 2,
      sessions: 3,
    });
    expect(await store.sessions.countLiveOfUsers(Q, [u.id], null, now)).toEqual({ users: 0, sessions: 0 });
    expect(await store.sessions.countLiveOfUsers(P, [], null, now)).toEqual({ users: 0, sessions: 0 });
  });

  it('audit: whose sessions an end ended, from a bounded read of its ids; names of deleted users and apps too', async () => {
    const store = storeOf();
    const [P, Q] = [await pool(), await pool()];
    const wiki = await app(P, { name: 'Wiki' });
    const people = [];
    for (let i = 0; i < 5; i++) people.push(await user(P, { username: `ended-${i}` }));
    const sessions = [];
    for (const p of people) sessions.push(await session(P, p.id, [wiki.id]));
    // Two sessions of one user, whole: that user once.
    const second = await session(P, people[0]!.id, [wiki.id]);
    const whole = meta(T0 + 1);
    await store.sessions.end(
      { scope: 'sessions', poolId: P, sessionIds: [sessions[0]!.session.id, second.session.id] },
      whole,
    );
    // A kick of the four others from the app: app-session ids.
    const kick = meta(T0 + 2, 'admin_kick');
    await store.sessions.end(
      { scope: 'app-users', poolId: P, appId: wiki.id, userIds: people.slice(1).map((p) => p.id) },
      kick,
    );

    const ended = await store.audit.endedUsers(P, [whole.recordId, kick.recordId, 'unknown'], 100);
    expect(ended).toEqual([
      { recordId: whole.recordId, userIds: [people[0]!.id], complete: true },
      { recordId: kick.recordId, userIds: expect.any(Array), complete: true },
    ]);
    expect([...ended[1]!.userIds].sort()).toEqual(
      people
        .slice(1)
        .map((p) => p.id)
        .sort(),
    );
    // Only the first two ids are read: at most two users, and the answer says it is partial.
    const [bounded] = await store.audit.endedUsers(P, [kick.recordId], 2);
    expect(bounded!.userIds).toHaveLength(2);
    expect(bounded!.complete).toBe(false);
    // Another pool's records are not found.
    expect(await store.audit.endedUsers(Q, [kick.recordId], 100)).toEqual([]);
    expect(await store.audit.endedUsers(P, [], 100)).toEqual([]);

    await store.users.delete(P, people[1]!.id, T0 + 3);
    await store.apps.delete(P, wiki.id, T0 + 3);
    const names = await store.audit.names(P, [people[0]!.id, people[1]!.id, 'gone'], [wiki.id, 'gone']);
    expect(names.users.sort((a, b) => (a.username ?? '').localeCompare(b.username ?? ''))).toEqual([
      { id: people[0]!.id, username: 'ended-0', email: people[0]!.email, name: null, deleted: false },
      { id: people[1]!.id, username: 'ended-1', email: people[1]!.email, name: null, deleted: true },
    ]);
    expect(names.apps).toEqual([{ id: wiki.id, name: 'Wiki', deleted: true }]);
    expect(await store.audit.names(Q, [people[0]!.id], [wiki.id])).toEqual({ users: [], apps: [] });
    expect(await store.audit.names(P, [], [])).toEqual({ users: [], apps: [] });
  });

  it('audit: ends since a time summed per hour and reason, oldest first, per pool', async () => {
    const store = storeOf();
    const [P, Q] = [await pool(), await pool()];
    const u = await user(P);
    const end = async (poolId: string, at: number, reason: 'user_logout' | 'admin_kick', count = 1) => {
      const ids = [];
      for (let i = 0; i < count; i++) ids.push((await session(poolId, u.id, [])).session.id);
      await store.sessions.end({ scope: 'sessions', poolId, sessionIds: ids }, meta(at, reason));
    };
    const h = Math.floor(T0 / HOUR) * HOUR;
    await end(P, h - 1, 'user_logout'); // before `since`
    await end(P, h + 5, 'user_logout');
    await end(P, h + 10, 'user_logout', 2);
    await end(P, h + 20, 'admin_kick', 3);
    await end(P, h + 2 * HOUR + 1, 'user_logout');
    await end(Q, h + 5, 'user_logout');
    expect(await store.audit.endsByHour(P, h)).toEqual([
      { hour: h, reason: 'admin_kick', ends: 1, sessions: 3 },
      { hour: h, reason: 'user_logout', ends: 2, sessions: 3 },
      { hour: h + 2 * HOUR, reason: 'user_logout', ends: 1, sessions: 1 },
    ]);
    expect(await store.audit.endsByHour(P, h + 3 * HOUR)).toEqual([]);
  });

  it('notices: one pool’s outbox counted by kind, other pools’ rows left out', async () => {
    const store = storeOf();
    const [P, Q] = [await pool(), await pool()];
    const at = T0 + 50_000_000;
    const zero = [
      { kind: 'backchannel', pending: 0, failed: 0, delivered: 0 },
      { kind: 'set', pending: 0, failed: 0, delivered: 0 },
    ];
    expect(await store.notices.countsOfPool(P, at)).toEqual(zero);
    const ids: Record<string, string[]> = {};
    for (const poolId of [P, Q]) {
      const a = await app(poolId, { backchannelLogoutUri: 'https://count.example/bc' });
      const u = await user(poolId);
      const ended = [];
      for (let i = 0; i < 3; i++) ended.push((await session(poolId, u.id, [a.id], at)).session.id);
      await store.sessions.end({ scope: 'sessions', poolId, sessionIds: ended }, meta(at));
      ids[poolId] = (await store.deliveries.list(poolId, a.id, null, 0, 10)).list.map((d) => d.id);
    }
    const [one, two] = ids[P]!;
    expect(await store.deliveries.markDelivered(P, one!, 1, at + 1)).toBe(true);
    expect(await store.deliveries.markFailed(P, two!, 1, 'HTTP 500')).toBe(true);
    expect(await store.notices.countsOfPool(P, at)).toEqual([
      { kind: 'backchannel', pending: 1, failed: 1, delivered: 1 },
      { kind: 'set', pending: 0, failed: 0, delivered: 0 },
    ]);
    expect((await store.notices.countsOfPool(P, at + 2))[0]).toEqual({
      kind: 'backchannel',
      pending: 1,
      failed: 1,
      delivered: 0,
    });
    expect((await store.notices.countsOfPool(Q, at))[0]).toEqual({
      kind: 'backchannel',
      pending: 3,
      failed: 0,
      delivered: 0,
    });
  });
}
