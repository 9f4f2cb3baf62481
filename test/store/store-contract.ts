// The store contract: every driver runs exactly these tests (SQLite always, PostgreSQL when
// SIGNOFF_TEST_DATABASE_URL is set, always in CI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newId } from '../../src/domain/ids.ts';
import type { App, AppSession, BulkLogout, EventStream, Session, User } from '../../src/domain/model.ts';
import { generateSigningKey } from '../../src/domain/tokens/key-ring.ts';
import type { NoticeCounts, Store } from '../../src/store/store.ts';
import { defineConsoleStoreCases } from './store-contract-console.ts';

const T0 = Date.UTC(2026, 5, 1);

export function defineStoreContract(
  name: string,
  open: () => Promise<{ store: Store; cleanup(): Promise<void> }>,
  skip = false,
) {
  describe.skipIf(skip)(`store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const P = `pool-${newId()}`;
    const Q = `pool-${newId()}`;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      for (const id of [P, Q]) {
        expect(
          await store.pools.create({
            id,
            name: id,
            secretHash: hashSecret('s'),
            signUpEnabled: false,
            createdAt: T0,
          }),
        ).toEqual({
          ok: true,
        });
      }
    });
    afterAll(() => cleanup());

    const app = (poolId: string, extra: Partial<App> = {}): App => ({
      id: newId(),
      poolId,
      name: 'app',
      identifier: null,
      secretHash: hashSecret('x'),
      tokenEndpointAuthMethod: 'client_secret_basic',
      ssfEnabled: true,
      redirectUris: ['https://a.example/cb'],
      logoutRedirectUris: ['https://a.example/bye'],
      backchannelLogoutUri: null,
      createdAt: T0,
      updatedAt: T0,
      ...extra,
    });
    const user = (poolId: string, extra: Partial<User> = {}): User => ({
      id: newId(),
      poolId,
      username: `u-${newId()}`,
      email: `${newId()}@example.com`,
      name: null,
      passwordHash: 'hash',
      createdAt: T0,
      updatedAt: T0,
      ...extra,
    });
    /** An enabled poll stream of an app, created at `at`. */
    const pollStream = (
      poolId: string,
      appId: string,
      at: number,
      extra: Partial<EventStream> = {},
    ): EventStream => ({
      id: newId(),
      poolId,
      appId,
      delivery: 'poll',
      endpointUrl: null,
      authorizationHeader: null,
      eventsRequested: null,
      eventsDelivered: [],
      description: null,
      status: 'enabled',
      statusReason: null,
      createdAt: at,
      updatedAt: at,
      lastPolledAt: null,
      lastVerificationAt: null,
      ...extra,
    });
    /** A verification event (SSF §8.1.4) on one stream, its state carried in the detail. */
    const queueVerification = (poolId: string, streamId: string, state: string, at: number) =>
      store.ssf.queue({
        poolId,
        appIds: [],
        streamId,
        eventType: 'verification',
        sessionId: null,
        userId: null,
        endId: null,
        reason: null,
        detail: { state },
        at,
      });
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
        idleExpiresAt: at + 3_600_000,
        expiresAt: at + 86_400_000,
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
      await store.sessions.create(s, apps[0] ?? null);
      for (const a of apps.slice(1)) await store.sessions.addApp(a);
      return { session: s, apps };
    }
    const meta = (at: number, reason: 'user_logout' | 'admin_kick' = 'user_logout') => ({
      at,
      reason,
      actor: { type: 'user' as const, id: 'someone' },
      recordId: newId(),
    });

    it('migrating again changes nothing', async () => {
      await store.migrate();
      expect(await store.pools.get(P)).toMatchObject({ id: P });
    });

    it('pools: create, get, list, and a duplicate id is a conflict', async () => {
      expect((await store.pools.list()).map((p) => p.id)).toEqual(expect.arrayContaining([P, Q]));
      expect(
        await store.pools.create({
          id: P,
          name: 'again',
          secretHash: 'x',
          signUpEnabled: false,
          createdAt: T0,
        }),
      ).toEqual({
        ok: false,
        conflict: 'id',
      });
      expect(await store.pools.get('missing')).toBeNull();
    });

    it('admins: create, find by email, count', async () => {
      const before = await store.admins.count();
      const email = `${newId()}@example.com`;
      expect(await store.admins.create({ id: newId(), email, passwordHash: 'h', createdAt: T0 })).toEqual({
        ok: true,
      });
      expect(await store.admins.findByEmail(email)).toMatchObject({ email, passwordHash: 'h' });
      expect(await store.admins.count()).toBe(before + 1);
      expect((await store.admins.create({ id: newId(), email, passwordHash: 'h', createdAt: T0 })).ok).toBe(
        false,
      );
    });

    it('apps: every read and write is scoped by pool', async () => {
      const a = app(P, { backchannelLogoutUri: 'https://a.example/bc' });
      expect(await store.apps.create(a)).toEqual({ ok: true });
      expect(await store.apps.get(P, a.id)).toEqual(a);
      expect(await store.apps.get(Q, a.id)).toBeNull();
      expect(await store.apps.resolve(a.id)).toEqual(a);
      expect((await store.apps.list(Q)).map((x) => x.id)).not.toContain(a.id);
      expect(await store.apps.update(Q, a.id, { name: 'stolen', updatedAt: T0 + 1 })).toBeNull();
      const updated = await store.apps.update(P, a.id, {
        name: 'renamed',
        logoutRedirectUris: ['https://a.example/other'],
        backchannelLogoutUri: null,
        updatedAt: T0 + 1,
      });
      expect(updated).toMatchObject({
        name: 'renamed',
        logoutRedirectUris: ['https://a.example/other'],
        backchannelLogoutUri: null,
        redirectUris: ['https://a.example/cb'],
        updatedAt: T0 + 1,
      });
      expect(await store.apps.delete(Q, a.id, T0 + 2)).toBe(false);
      expect(await store.apps.delete(P, a.id, T0 + 2)).toBe(true);
      expect(await store.apps.get(P, a.id)).toBeNull();
      expect(await store.apps.resolve(a.id)).toBeNull();
    });

    it('apps: the token endpoint auth method is kept and changed; registered URIs of live apps only', async () => {
      const pub = app(P, {
        tokenEndpointAuthMethod: 'none',
        redirectUris: [`https://${newId()}.example/cb`],
        logoutRedirectUris: [`https://${newId()}.example/bye`],
      });
      await store.apps.create(pub);
      expect((await store.apps.get(P, pub.id))?.tokenEndpointAuthMethod).toBe('none');
      const changed = await store.apps.update(P, pub.id, {
        tokenEndpointAuthMethod: 'client_secret_post',
        updatedAt: T0 + 1,
      });
      expect(changed?.tokenEndpointAuthMethod).toBe('client_secret_post');
      const uris = await store.apps.registeredUris();
      expect(uris).toEqual(expect.arrayContaining([...pub.redirectUris, ...pub.logoutRedirectUris]));
      await store.apps.delete(P, pub.id, T0 + 2);
      expect(await store.apps.registeredUris()).not.toContain(pub.redirectUris[0]);
    });

    it('oidc: payloads are found only in the pool that wrote them, and kept there', async () => {
      const id = newId();
      await store.oidc.upsert(P, 'AccessToken', id, { jti: id, grantId: 'g1' }, T0 + 60_000);
      expect(await store.oidc.find(P, 'AccessToken', id, T0)).toMatchObject({ jti: id });
      expect(await store.oidc.find(Q, 'AccessToken', id, T0)).toBeNull();
      expect(await store.oidc.find(P, 'AccessToken', id, T0 + 60_000)).toBeNull(); // expired
      // Another pool writing the same id takes nothing over.
      await store.oidc.upsert(Q, 'AccessToken', id, { jti: id, stolen: true }, null);
      expect(await store.oidc.find(P, 'AccessToken', id, T0)).not.toHaveProperty('stolen');
      expect(await store.oidc.find(Q, 'AccessToken', id, T0)).toBeNull();
      await store.oidc.destroy(Q, 'AccessToken', id);
      await store.oidc.revokeByGrantId(Q, 'g1');
      expect(await store.oidc.find(P, 'AccessToken', id, T0)).not.toBeNull();
      await store.oidc.consume(P, 'AccessToken', id, T0 + 5000);
      expect(await store.oidc.find(P, 'AccessToken', id, T0)).toMatchObject({
        consumed: Math.floor((T0 + 5000) / 1000),
      });
      await store.oidc.revokeByGrantId(P, 'g1');
      expect(await store.oidc.find(P, 'AccessToken', id, T0)).toBeNull();

      const link = { grantId: newId(), poolId: P, sessionId: newId(), appSessionId: newId(), createdAt: T0 };
      await store.oidc.linkGrant(link);
      expect(await store.oidc.grantLink(P, link.grantId)).toEqual(link);
      expect(await store.oidc.grantLink(Q, link.grantId)).toBeNull();
    });

    it('console sessions: found by secret hash until expiry, deleted, purged', async () => {
      const admin = { id: newId(), email: `${newId()}@example.com`, passwordHash: 'h', createdAt: T0 };
      await store.admins.create(admin);
      const live = {
        secretHash: hashSecret(newId()),
        adminId: admin.id,
        createdAt: T0,
        expiresAt: T0 + 1000,
      };
      const other = { ...live, secretHash: hashSecret(newId()) };
      await store.consoleSessions.create(live);
      await store.consoleSessions.create(other);
      expect(await store.consoleSessions.find(live.secretHash, T0 + 999)).toMatchObject({
        id: admin.id,
        email: admin.email,
      });
      expect(await store.consoleSessions.find(live.secretHash, T0 + 1000)).toBeNull();
      expect(await store.consoleSessions.find(hashSecret('unknown'), T0)).toBeNull();
      await store.consoleSessions.delete(live.secretHash);
      expect(await store.consoleSessions.find(live.secretHash, T0)).toBeNull();
      expect(await store.consoleSessions.find(other.secretHash, T0)).not.toBeNull();
      expect(await store.consoleSessions.purgeExpired(T0 + 1001)).toBeGreaterThanOrEqual(1);
      expect(await store.consoleSessions.find(other.secretHash, T0)).toBeNull();
    });

    it('users: search by part of the username or email, ignoring case, wildcards literal, per pool', async () => {
      const tag = newId().slice(0, 8).toLowerCase();
      const carol = user(P, { username: `carol_${tag}`, email: `carol.${tag}@example.com` });
      const dave = user(P, { username: `dave${tag}`, email: `D.${tag.toUpperCase()}@Example.com` });
      const deleted = user(P, { username: `erin_${tag}`, email: null });
      const elsewhere = user(Q, { username: `carol_${tag}`, email: null });
      for (const u of [carol, dave, deleted, elsewhere]) expect((await store.users.create(u)).ok).toBe(true);
      await store.users.delete(P, deleted.id, T0);
      const ids = async (q: string, limit = 10) => (await store.users.search(P, q, limit)).map((u) => u.id);
      expect(await ids(tag)).toEqual([carol.id, dave.id]);
      expect(await ids(`CAROL_${tag}`)).toEqual([carol.id]);
      expect(await ids(`d.${tag}@example`)).toEqual([dave.id]);
      // `_` and `%` match themselves only: "carol_" is not "carolX".
      expect(await ids(`l_${tag}`)).toEqual([carol.id]);
      expect(await ids(`%${tag}`)).toEqual([]);
      expect(await ids(tag, 1)).toEqual([carol.id]);
      expect((await store.users.search(Q, tag, 10)).map((u) => u.id)).toEqual([elsewhere.id]);
    });

    it('users: unique username and email within a pool, not across pools; lookup by account', async () => {
      const u = user(P, { username: 'alice', email: 'alice@example.com' });
      expect(await store.users.create(u)).toEqual({ ok: true });
      expect(await store.users.create(user(P, { username: 'alice' }))).toEqual({
        ok: false,
        conflict: 'username',
      });
      expect(await store.users.create(user(P, { email: 'alice@example.com' }))).toEqual({
        ok: false,
        conflict: 'email',
      });
      expect(await store.users.create(user(Q, { username: 'alice', email: 'alice@example.com' }))).toEqual({
        ok: true,
      });
      expect((await store.users.findByAccount(P, 'alice'))?.id).toBe(u.id);
      expect((await store.users.findByAccount(P, 'ALICE@example.com'))?.id).toBe(u.id);
      expect(await store.users.get(Q, u.id)).toBeNull();
      expect((await store.users.delete(Q, u.id, T0)).deleted).toBe(false);
      expect((await store.users.delete(P, u.id, T0)).deleted).toBe(true);
      expect(await store.users.findByAccount(P, 'alice')).toBeNull();
      // A deleted user's name is free again.
      expect(await store.users.create(user(P, { username: 'alice', email: 'alice@example.com' }))).toEqual({
        ok: true,
      });
    });

    it('keys: usable keys include recently retired ones only', async () => {
      const k1 = await generateSigningKey(P, T0);
      const k2 = await generateSigningKey(P, T0 + 10);
      await store.keys.create(k1);
      await store.keys.create(k2);
      await store.keys.retire(P, k1.kid, T0 + 10);
      const usable = (since: number) => store.keys.listUsable(since).then((ks) => ks.map((k) => k.kid));
      expect(await usable(T0)).toEqual(expect.arrayContaining([k1.kid, k2.kid]));
      expect(await usable(T0 + 20)).not.toContain(k1.kid);
      expect(await usable(T0 + 20)).toContain(k2.kid);
      const loaded = (await store.keys.listUsable(T0)).find((k) => k.kid === k2.kid)!;
      expect(loaded.privateJwk).toEqual(k2.privateJwk);
      expect(loaded.retiredAt).toBeNull();
    });

    it('sessions: create, find by cookie hash until expiry, list with apps, touch', async () => {
      const a1 = app(P);
      const a2 = app(P);
      await store.apps.create(a1);
      await store.apps.create(a2);
      const u = user(P);
      await store.users.create(u);
      const { session: s, apps } = await session(P, u.id, [a1.id, a2.id]);
      expect(await store.sessions.findBySecretHash(s.secretHash, T0 + 1)).toMatchObject({ id: s.id });
      expect(await store.sessions.findBySecretHash(s.secretHash, s.idleExpiresAt)).toBeNull();
      const got = await store.sessions.get(P, s.id);
      expect(got?.apps.map((a) => a.appId)).toEqual([a1.id, a2.id]);
      expect(got?.device).toEqual(s.device);
      expect(await store.sessions.get(Q, s.id)).toBeNull();
      expect((await store.sessions.listOfUser(P, u.id, T0 + 1)).map((x) => x.id)).toEqual([s.id]);
      expect(await store.sessions.listOfUser(Q, u.id, T0 + 1)).toEqual([]);
      expect((await store.sessions.latestAppSession(P, s.id, a2.id))?.id).toBe(apps[1]!.id);

      await store.sessions.touch(P, s.id, apps[0]!.id, T0 + 5000, T0 + 5000 + 3_600_000);
      await store.sessions.touch(Q, s.id, apps[1]!.id, T0 + 9000, T0 + 9000 + 3_600_000);
      const touched = await store.sessions.get(P, s.id);
      expect(touched?.lastActiveAt).toBe(T0 + 5000);
      expect(touched?.idleExpiresAt).toBe(T0 + 5000 + 3_600_000);
      // App sessions created in the same millisecond have no order between them: find each.
      const appSession = (id: string) => touched?.apps.find((a) => a.id === id);
      expect(appSession(apps[0]!.id)?.lastActiveAt).toBe(T0 + 5000);
      expect(appSession(apps[1]!.id)?.lastActiveAt).toBe(T0);
    });

    it('end(sessions): ends the session and its app sessions, queues deliveries, writes one audit record', async () => {
      const withBc = app(P, { backchannelLogoutUri: 'https://rp.example/bc' });
      const without = app(P);
      await store.apps.create(withBc);
      await store.apps.create(without);
      const u = user(P);
      await store.users.create(u);
      const { session: s } = await session(P, u.id, [withBc.id, without.id]);
      const m = meta(T0 + 100);
      const outcome = await store.sessions.end({ scope: 'sessions', poolId: P, sessionIds: [s.id] }, m);
      expect(outcome).toMatchObject({ revoked: [s.id], sessions: 1, appSessions: 2, deliveries: 1 });
      expect(outcome.record).toMatchObject({
        id: m.recordId,
        poolId: P,
        at: T0 + 100,
        reason: 'user_logout',
        actor: { type: 'user', id: 'someone' },
        sessions: 1,
        appSessions: 2,
        apps: [withBc.id, without.id].sort(),
      });
      const ended = await store.sessions.get(P, s.id);
      expect(ended).toMatchObject({ endedAt: T0 + 100, endReason: 'user_logout' });
      expect(ended?.apps.every((a) => a.endedAt === T0 + 100)).toBe(true);
      expect(await store.sessions.findBySecretHash(s.secretHash, T0 + 101)).toBeNull();

      // Ending again is a no-op: nothing written, no second audit record.
      const again = await store.sessions.end(
        { scope: 'sessions', poolId: P, sessionIds: [s.id] },
        meta(T0 + 200),
      );
      expect(again).toEqual({
        revoked: [],
        sessions: 0,
        appSessions: 0,
        deliveries: 0,
        events: 0,
        record: null,
        holdsUntil: 0,
      });

      // No token was issued on it: the revocation holds from the end itself.
      const revoked = await store.sessions.listEndedSince(T0 + 100);
      expect(revoked).toContainEqual({ id: s.id, endedAt: T0 + 100, holdsUntil: T0 + 100 });
      expect((await store.sessions.listEndedSince(T0 + 101)).map((r) => r.id)).not.toContain(s.id);
    });

    it('end(users): all sessions of the users but the excepted one; other pools untouched', async () => {
      const a = app(P);
      await store.apps.create(a);
      const u = user(P);
      await store.users.create(u);
      const keep = await session(P, u.id, [a.id]);
      const drop1 = await session(P, u.id, [a.id]);
      const drop2 = await session(P, u.id, []);
      const outcome = await store.sessions.end(
        { scope: 'users', poolId: P, userIds: [u.id, 'unknown-user'], exceptSessionId: keep.session.id },
        meta(T0 + 300),
      );
      expect(outcome.revoked.sort()).toEqual([drop1.session.id, drop2.session.id].sort());
      expect(outcome).toMatchObject({ sessions: 2, appSessions: 1, deliveries: 0 });
      expect((await store.sessions.listOfUser(P, u.id, T0 + 301)).map((s) => s.id)).toEqual([
        keep.session.id,
      ]);

      // The same user id named under another pool ends nothing.
      const foreign = await store.sessions.end(
        { scope: 'users', poolId: Q, userIds: [u.id] },
        meta(T0 + 301),
      );
      expect(foreign.record).toBeNull();
      const foreignSid = await store.sessions.end(
        { scope: 'sessions', poolId: Q, sessionIds: [keep.session.id] },
        meta(T0 + 301),
      );
      expect(foreignSid.record).toBeNull();
      expect((await store.sessions.get(P, keep.session.id))?.endedAt).toBeNull();
    });

    it('end: the revocation holds until the last token issued on the sessions expires', async () => {
      const a = app(P);
      await store.apps.create(a);
      const u = user(P);
      await store.users.create(u);
      const { session: s } = await session(P, u.id, [a.id]);
      await store.sessions.recordToken(P, s.id, T0 + 3_600_000);
      await store.sessions.recordToken(P, s.id, T0 + 1_000); // an earlier expiry never shortens it
      await store.sessions.recordToken(Q, s.id, T0 + 9_000_000); // another pool's write changes nothing
      const outcome = await store.sessions.end(
        { scope: 'sessions', poolId: P, sessionIds: [s.id] },
        meta(T0 + 10),
      );
      expect(outcome.holdsUntil).toBe(T0 + 3_600_000);
      expect(await store.sessions.listHolding(T0 + 3_599_999)).toContainEqual({
        id: s.id,
        endedAt: T0 + 10,
        holdsUntil: T0 + 3_600_000,
      });
      expect((await store.sessions.listHolding(T0 + 3_600_000)).map((r) => r.id)).not.toContain(s.id);
    });

    it('end(app-users / app-sessions): only that app’s part of the sessions ends', async () => {
      const a = app(P, { backchannelLogoutUri: 'https://a.example/bc' });
      const b = app(P, { backchannelLogoutUri: 'https://b.example/bc' });
      await store.apps.create(a);
      await store.apps.create(b);
      const u = user(P);
      const v = user(P);
      await store.users.create(u);
      await store.users.create(v);
      const su = await session(P, u.id, [a.id, b.id]);
      const sv = await session(P, v.id, [a.id, b.id]);
      const kicked = await store.sessions.end(
        { scope: 'app-users', poolId: P, appId: a.id, userIds: [u.id] },
        meta(T0 + 400, 'admin_kick'),
      );
      expect(kicked).toMatchObject({ revoked: [su.apps[0]!.id], sessions: 1, appSessions: 1, deliveries: 1 });
      expect(kicked.record).toMatchObject({
        reason: 'admin_kick',
        sessions: 1,
        appSessions: 1,
        apps: [a.id],
      });
      const after = await store.sessions.get(P, su.session.id);
      expect(after?.endedAt).toBeNull();
      expect(after?.apps.find((x) => x.appId === a.id)?.endedAt).toBe(T0 + 400);
      expect(after?.apps.find((x) => x.appId === b.id)?.endedAt).toBeNull();

      expect(await store.sessions.listLiveIds(P, a.id, 100)).toContain(sv.session.id);
      expect(await store.sessions.listLiveIds(P, a.id, 100)).not.toContain(su.session.id);
      expect(await store.sessions.listLiveIds(P, null, 100)).toEqual(
        expect.arrayContaining([su.session.id, sv.session.id]),
      );
      const bulk = await store.sessions.end(
        { scope: 'app-sessions', poolId: P, appId: b.id, sessionIds: [su.session.id, sv.session.id] },
        meta(T0 + 500, 'admin_kick'),
      );
      expect(bulk.revoked.sort()).toEqual([su.apps[1]!.id, sv.apps[1]!.id].sort());
      expect(bulk).toMatchObject({ sessions: 2, appSessions: 2, deliveries: 2 });
      expect(await store.sessions.listLiveIds(P, b.id, 100)).not.toContain(sv.session.id);

      // App sessions end with their session: a later app kick finds nothing to end or notify.
      await store.sessions.end({ scope: 'sessions', poolId: P, sessionIds: [sv.session.id] }, meta(T0 + 600));
      expect((await store.sessions.get(P, sv.session.id))?.apps.every((x) => x.endedAt !== null)).toBe(true);
      const late = await store.sessions.end(
        { scope: 'app-users', poolId: P, appId: a.id, userIds: [v.id] },
        meta(T0 + 700, 'admin_kick'),
      );
      expect(late.record).toBeNull();
      expect(await store.sessions.listLiveIds(P, a.id, 100)).not.toContain(sv.session.id);
    });

    it('deliveries: claimed once per lease, marked, listed per app and status, replayed; scoped by pool', async () => {
      const a = app(P, { backchannelLogoutUri: 'https://a.example/bc' });
      const b = app(P, { backchannelLogoutUri: 'https://b.example/bc' });
      await store.apps.create(a);
      await store.apps.create(b);
      const u = user(P);
      await store.users.create(u);
      const s1 = await session(P, u.id, [a.id, b.id]);
      const s2 = await session(P, u.id, [a.id]);
      const at = T0 + 10_000;
      await store.sessions.end({ scope: 'sessions', poolId: P, sessionIds: [s1.session.id] }, meta(at));
      await store.sessions.end({ scope: 'sessions', poolId: P, sessionIds: [s2.session.id] }, meta(at + 1));
      // Other tests' rows share the table: look only at this test's apps.
      const mine = <D extends { appId: string }>(ds: D[]) =>
        ds.filter((d) => d.appId === a.id || d.appId === b.id);
      const lease = 60_000;

      const claimed = mine(await store.deliveries.claimDue(at + 1, 1000, lease));
      expect(claimed).toHaveLength(3);
      const onA1 = claimed.find((d) => d.appId === a.id && d.sessionId === s1.session.id)!;
      const onA2 = claimed.find((d) => d.appId === a.id && d.sessionId === s2.session.id)!;
      const onB1 = claimed.find((d) => d.appId === b.id)!;
      expect(onA1).toEqual({
        id: s1.apps[0]!.id,
        poolId: P,
        appId: a.id,
        sessionId: s1.session.id,
        userId: u.id,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at + 1 + lease,
        lastError: null,
        createdAt: at,
        deliveredAt: null,
        replayedAt: null,
        backchannelLogoutUri: 'https://a.example/bc',
      });
      expect(onB1.backchannelLogoutUri).toBe('https://b.example/bc');
      // Leased: nobody else takes them until the lease has run out.
      expect(mine(await store.deliveries.claimDue(at + lease, 1000, lease))).toEqual([]);
      expect(mine(await store.deliveries.claimDue(at + 1 + lease, 1000, lease))).toHaveLength(3);

      // Marks reach only a pending row of the named pool.
      expect(await store.deliveries.markDelivered(Q, onA1.id, 1, at + 2)).toBe(false);
      expect(await store.deliveries.markDelivered(P, onA1.id, 1, at + 2)).toBe(true);
      expect(await store.deliveries.markDelivered(P, onA1.id, 2, at + 3)).toBe(false);
      expect(await store.deliveries.markRetry(P, onB1.id, 1, at + 5000, 'HTTP 500')).toBe(true);
      expect(await store.deliveries.markFailed(Q, onA2.id, 7, 'gave up')).toBe(false);
      expect(await store.deliveries.markFailed(P, onA2.id, 7, 'gave up')).toBe(true);
      expect(await store.deliveries.markRetry(P, onA2.id, 8, at + 5000, 'late')).toBe(false);
      expect(await store.deliveries.get(P, onA1.id)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        deliveredAt: at + 2,
      });
      expect(await store.deliveries.get(P, onB1.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: at + 5000,
        lastError: 'HTTP 500',
      });
      expect(await store.deliveries.get(P, onA2.id)).toMatchObject({
        status: 'failed',
        attempts: 7,
        lastError: 'gave up',
      });
      expect(await store.deliveries.get(Q, onA1.id)).toBeNull();
      expect(mine(await store.deliveries.claimDue(at + 4999, 1000, lease))).toEqual([]);
      expect(mine(await store.deliveries.claimDue(at + 5000, 1000, lease)).map((d) => d.id)).toEqual([
        onB1.id,
      ]);

      const ids = (page: { list: { id: string }[] }) => page.list.map((d) => d.id);
      const all = await store.deliveries.list(P, a.id, null, 0, 10);
      expect(all.totalCount).toBe(2);
      expect(ids(all)).toEqual([onA2.id, onA1.id]); // newest first
      expect(ids(await store.deliveries.list(P, a.id, null, 1, 1))).toEqual([onA1.id]);
      expect(await store.deliveries.list(P, a.id, 'failed', 0, 10)).toMatchObject({ totalCount: 1 });
      expect(ids(await store.deliveries.list(P, a.id, 'delivered', 0, 10))).toEqual([onA1.id]);
      expect(ids(await store.deliveries.list(P, b.id, 'pending', 0, 10))).toEqual([onB1.id]);
      expect(await store.deliveries.list(Q, a.id, null, 0, 10)).toEqual({ totalCount: 0, list: [] });

      // Replay: every failed one, or named ones that are not pending; never another pool's or app's.
      expect(await store.deliveries.replay(Q, a.id, 'failed', at + 9000)).toBe(0);
      expect(await store.deliveries.replay(P, a.id, 'failed', at + 9000)).toBe(1);
      expect(await store.deliveries.get(P, onA2.id)).toMatchObject({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at + 9000,
        replayedAt: at + 9000,
        lastError: 'gave up',
      });
      expect(await store.deliveries.replay(P, a.id, [onA1.id, onA2.id, onB1.id], at + 9500)).toBe(1);
      expect(await store.deliveries.get(P, onA1.id)).toMatchObject({
        status: 'pending',
        deliveredAt: null,
        replayedAt: at + 9500,
      });
      expect(await store.deliveries.replay(P, a.id, [], at + 9500)).toBe(0);

      // A deleted app is still owed its notices; an app whose URI was removed has nowhere to get them.
      await store.apps.delete(P, a.id, at + 9600);
      await store.apps.update(P, b.id, { backchannelLogoutUri: null, updatedAt: at + 9600 });
      const uris = mine(await store.deliveries.claimDue(at + 1_000_000, 1000, lease)).map((d) => [
        d.id,
        d.backchannelLogoutUri,
      ]);
      expect(uris).toEqual(
        expect.arrayContaining([
          [onA1.id, 'https://a.example/bc'],
          [onA2.id, 'https://a.example/bc'],
          [onB1.id, null],
        ]),
      );
    });

    it('deliveries: claimers running at once never take the same row', async () => {
      const R = `pool-${newId()}`;
      await store.pools.create({
        id: R,
        name: R,
        secretHash: hashSecret('s'),
        signUpEnabled: false,
        createdAt: T0,
      });
      const a = app(R, { backchannelLogoutUri: 'https://c.example/bc' });
      await store.apps.create(a);
      const u = user(R);
      await store.users.create(u);
      const sessions = [];
      for (let i = 0; i < 12; i++) sessions.push((await session(R, u.id, [a.id])).session.id);
      const at = T0 + 2_000_000;
      await store.sessions.end({ scope: 'sessions', poolId: R, sessionIds: sessions }, meta(at));
      const claims = await Promise.all(
        Array.from({ length: 4 }, () => store.deliveries.claimDue(at + 3_000_000, 1000, 60_000)),
      );
      const taken = claims
        .flat()
        .filter((d) => d.appId === a.id)
        .map((d) => d.id);
      expect(taken).toHaveLength(12);
      expect(new Set(taken).size).toBe(12);
    });

    it('deliveries: a claim takes at most `limit` rows, however many are due', async () => {
      // PostgreSQL once re-ran the claim's LIMIT … SKIP LOCKED subquery for every candidate
      // row (a nested-loop semi-join) and claimed several batches at once.
      const R = `pool-${newId()}`;
      await store.pools.create({
        id: R,
        name: R,
        secretHash: hashSecret('s'),
        signUpEnabled: false,
        createdAt: T0,
      });
      const a = app(R, { backchannelLogoutUri: 'https://d.example/bc' });
      await store.apps.create(a);
      const u = user(R);
      await store.users.create(u);
      const sessions = [];
      for (let i = 0; i < 60; i++) sessions.push((await session(R, u.id, [a.id])).session.id);
      const at = T0 + 4_000_000;
      await store.sessions.end({ scope: 'sessions', poolId: R, sessionIds: sessions }, meta(at));
      const due = at + 5_000_000;
      const sizes = [];
      for (let i = 0; i < 3; i++) sizes.push((await store.deliveries.claimDue(due, 5, 60_000)).length);
      expect(sizes).toEqual([5, 5, 5]);
    });

    it('notices: the outbox counted across pools by kind — pending, failed, delivered since a time', async () => {
      // Other tests' rows share the tables: compare with what was there before.
      const at = T0 + 40_000_000;
      const byKind = (counts: NoticeCounts[]) =>
        Object.fromEntries(counts.map(({ kind, ...n }) => [kind, n])) as Record<
          NoticeCounts['kind'],
          Omit<NoticeCounts, 'kind'>
        >;
      const before = byKind(await store.notices.counts(at));
      const beforeLater = byKind(await store.notices.counts(at + 2));
      expect(Object.keys(before).sort()).toEqual(['backchannel', 'set']);

      // A back-channel notice in each of two pools: both counted, whatever the pool.
      const R = `pool-${newId()}`;
      await store.pools.create({
        id: R,
        name: R,
        secretHash: hashSecret('s'),
        signUpEnabled: false,
        createdAt: T0,
      });
      const notices: { poolId: string; appId: string }[] = [];
      for (const poolId of [P, R]) {
        const a = app(poolId, { backchannelLogoutUri: 'https://count.example/bc' });
        await store.apps.create(a);
        const u = user(poolId);
        await store.users.create(u);
        const s = await session(poolId, u.id, [a.id], at);
        await store.sessions.end({ scope: 'sessions', poolId, sessionIds: [s.session.id] }, meta(at));
        notices.push({ poolId, appId: a.id });
      }
      // And a SET waiting on a poll stream.
      const receiver = app(P);
      await store.apps.create(receiver);
      const streamId = newId();
      await store.ssf.createStream(pollStream(P, receiver.id, at, { id: streamId }));
      const queued = await queueVerification(P, streamId, 'x', at);
      expect(queued).toEqual([receiver.id]);
      const waiting = byKind(await store.notices.counts(at));
      expect(waiting.backchannel).toEqual({ ...before.backchannel, pending: before.backchannel.pending + 2 });
      expect(waiting.set).toEqual({ ...before.set, pending: before.set.pending + 1 });

      // One delivered at `at + 1`, one given up on, the SET acknowledged at `at + 2`.
      const [first, second] = await Promise.all(
        notices.map(async (n) => (await store.deliveries.list(n.poolId, n.appId, 'pending', 0, 1)).list[0]!),
      );
      expect(await store.deliveries.markDelivered(first!.poolId, first!.id, 1, at + 1)).toBe(true);
      expect(await store.deliveries.markFailed(second!.poolId, second!.id, 1, 'HTTP 400')).toBe(true);
      const [set] = await store.ssf.pollable(P, streamId, 10);
      expect(await store.ssf.acknowledge(P, streamId, [set!.id], at + 2)).toBe(1);

      const after = byKind(await store.notices.counts(at));
      expect(after.backchannel).toEqual({
        pending: before.backchannel.pending,
        failed: before.backchannel.failed + 1,
        delivered: before.backchannel.delivered + 1,
      });
      expect(after.set).toEqual({ ...before.set, delivered: before.set.delivered + 1 });
      // Delivered counts only from the time asked for.
      const later = byKind(await store.notices.counts(at + 2));
      expect(later.backchannel.delivered).toBe(beforeLater.backchannel.delivered);
      expect(later.set.delivered).toBe(beforeLater.set.delivered + 1);
    });

    it("ssf.replay: a stream's failed SETs pending again, or the listed ones; scoped by pool and stream", async () => {
      const at = T0 + 50_000;
      const receiver = app(P);
      await store.apps.create(receiver);
      const [mine, other] = [newId(), newId()];
      for (const id of [mine, other]) await store.ssf.createStream(pollStream(P, receiver.id, at, { id }));
      for (const state of ['refused', 'acknowledged']) await queueVerification(P, mine, state, at);
      await queueVerification(P, other, 'refused elsewhere', at);
      const sets = await store.ssf.pollable(P, mine, 10);
      const refused = sets.find((x) => x.detail?.state === 'refused')!;
      const acked = sets.find((x) => x.detail?.state === 'acknowledged')!;
      const [elsewhere] = await store.ssf.pollable(P, other, 10);
      expect(await store.ssf.reject(P, mine, [{ jti: refused.id, error: 'invalid_key' }])).toBe(1);
      expect(await store.ssf.reject(P, other, [{ jti: elsewhere!.id, error: 'invalid_key' }])).toBe(1);
      expect(await store.ssf.acknowledge(P, mine, [acked.id], at + 1)).toBe(1);
      expect(await store.ssf.pollable(P, mine, 10)).toEqual([]);

      // Another pool, or another stream's jti, reaches nothing.
      expect(await store.ssf.replay(Q, mine, 'failed', at + 2)).toBe(0);
      expect(await store.ssf.replay(P, mine, [elsewhere!.id], at + 2)).toBe(0);
      expect(await store.ssf.replay(P, mine, [], at + 2)).toBe(0);
      expect(await store.ssf.replay(P, mine, 'failed', at + 2)).toBe(1);
      expect((await store.ssf.pollable(P, mine, 10)).map((x) => x.id)).toEqual([refused.id]);
      // A delivered one comes back when named; one already pending is left as it is.
      expect(await store.ssf.replay(P, mine, [acked.id, refused.id], at + 3)).toBe(1);
      expect(new Set((await store.ssf.pollable(P, mine, 10)).map((x) => x.id))).toEqual(
        new Set([refused.id, acked.id]),
      );
      // The other stream's failed SET is still failed.
      expect(await store.ssf.pollable(P, other, 10)).toEqual([]);
    });

    it('bulk logouts: jobs of every pool counted by status', async () => {
      const before = await store.bulkLogouts.countByStatus();
      const job = (poolId: string): BulkLogout => ({
        id: newId(),
        poolId,
        appId: null,
        status: 'running',
        reason: 'admin_logout',
        actor: { type: 'admin', id: 'root' },
        total: 1,
        ended: 0,
        batches: 0,
        error: null,
        createdAt: T0,
        updatedAt: T0,
        finishedAt: null,
      });
      const [done, failed, running] = [job(P), job(Q), job(Q)];
      const lease = { owner: 'node-1', until: T0 + 30_000 };
      for (const j of [done, failed, running]) await store.bulkLogouts.create(j, lease);
      await store.bulkLogouts.finish(done.id, 'node-1', 'done', null, T0 + 1);
      await store.bulkLogouts.finish(failed.id, 'node-1', 'failed', 'boom', T0 + 1);
      expect(await store.bulkLogouts.countByStatus()).toEqual({
        running: before.running + 1,
        done: before.done + 1,
        failed: before.failed + 1,
      });
    });

    it('bulk logouts: a batch ends, counts and renews only while its owner holds the lease; an expired lease is taken over once', async () => {
      const u = user(P);
      await store.users.create(u);
      const [s1, s2, s3] = [
        await session(P, u.id, []),
        await session(P, u.id, []),
        await session(P, u.id, []),
      ];
      const job: BulkLogout = {
        id: newId(),
        poolId: P,
        appId: null,
        status: 'running',
        reason: 'admin_kick',
        actor: { type: 'admin', id: 'root' },
        total: 3,
        ended: 0,
        batches: 0,
        error: null,
        createdAt: T0,
        updatedAt: T0,
        finishedAt: null,
      };
      await store.bulkLogouts.create(job, { owner: 'a', until: T0 + 100 });
      const mine = (jobs: BulkLogout[]) => jobs.filter((j) => j.id === job.id);
      const batch = (owner: string, until: number, ids: string[], at: number) =>
        store.bulkLogouts.endBatch(
          job.id,
          { owner, until },
          { scope: 'sessions', poolId: P, sessionIds: ids },
          meta(at, 'admin_kick'),
        );
      // Not before the lease ends.
      expect(mine(await store.bulkLogouts.takeOver(T0 + 99, { owner: 'b', until: T0 + 199 }))).toEqual([]);
      // A batch ends its sessions, counts them and renews the lease, in one transaction.
      const first = await batch('a', T0 + 150, [s1!.session.id], T0 + 50);
      expect(first.held).toBe(true);
      expect(first.end).toMatchObject({ sessions: 1, revoked: [s1!.session.id] });
      expect(mine(await store.bulkLogouts.takeOver(T0 + 120, { owner: 'b', until: T0 + 220 }))).toEqual([]);
      // Run out: one taker only, with the progress so far.
      const [taken] = mine(await store.bulkLogouts.takeOver(T0 + 150, { owner: 'b', until: T0 + 250 }));
      expect(taken).toMatchObject({ id: job.id, status: 'running', ended: 1, batches: 1 });
      expect(mine(await store.bulkLogouts.takeOver(T0 + 150, { owner: 'c', until: T0 + 250 }))).toEqual([]);
      // The old owner's batch writes nothing (its end is rolled back), nor can it finish the job.
      expect(await batch('a', T0 + 260, [s2!.session.id], T0 + 160)).toEqual({ held: false, end: null });
      expect((await store.sessions.get(P, s2!.session.id))?.endedAt).toBeNull();
      expect(await store.bulkLogouts.finish(job.id, 'a', 'done', null, T0 + 160)).toBe(false);
      expect(await store.bulkLogouts.get(P, job.id)).toMatchObject({
        status: 'running',
        ended: 1,
        batches: 1,
      });
      // The new owner can; a finished job is nobody's to take.
      expect((await batch('b', T0 + 270, [s2!.session.id, s3!.session.id], T0 + 170)).held).toBe(true);
      expect(await store.bulkLogouts.finish(job.id, 'b', 'done', null, T0 + 180)).toBe(true);
      expect(await store.bulkLogouts.get(P, job.id)).toMatchObject({
        status: 'done',
        ended: 3,
        batches: 2,
        finishedAt: T0 + 180,
      });
      expect(mine(await store.bulkLogouts.takeOver(T0 + 10_000, { owner: 'c', until: T0 + 10_100 }))).toEqual(
        [],
      );
    });

    it('pools: sign-up is off until a pool is updated, per pool', async () => {
      expect(await store.pools.get(P)).toMatchObject({ signUpEnabled: false });
      expect(await store.pools.update(P, { signUpEnabled: true })).toMatchObject({
        id: P,
        signUpEnabled: true,
      });
      expect(await store.pools.get(P)).toMatchObject({ signUpEnabled: true });
      expect(await store.pools.get(Q)).toMatchObject({ signUpEnabled: false });
      expect(await store.pools.update(P, {})).toMatchObject({ signUpEnabled: true });
      expect(await store.pools.update(P, { signUpEnabled: false })).toMatchObject({ signUpEnabled: false });
      expect(await store.pools.update('missing', { signUpEnabled: true })).toBeNull();
    });

    it('users.setPassword: the hash, its audit record, credential-change SETs and the end it asks for, in one go', async () => {
      const at = T0 + 50_000_000;
      const receiver = app(P, { backchannelLogoutUri: 'https://rp.example/bc' });
      const unused = app(P);
      await store.apps.create(receiver);
      await store.apps.create(unused);
      const streams: Record<string, string> = {};
      for (const a of [receiver, unused]) {
        streams[a.id] = newId();
        await store.ssf.createStream(
          pollStream(P, a.id, at, {
            id: streams[a.id]!,
            eventsDelivered: [
              'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
              'https://schemas.openid.net/secevent/caep/event-type/credential-change',
            ],
          }),
        );
      }
      const u = user(P, { passwordHash: 'old-hash' });
      await store.users.create(u);
      const kept = await session(P, u.id, [receiver.id], at);
      const other = await session(P, u.id, [receiver.id], at);
      const id = newId();
      const selector = {
        scope: 'users' as const,
        poolId: P,
        userIds: [u.id],
        exceptSessionId: kept.session.id,
      };
      const change = {
        id,
        at: at + 1,
        credentialType: 'password' as const,
        reason: 'password_changed' as const,
        actor: { type: 'user' as const, id: u.id },
        endSessions: 'others' as const,
      };

      // Checked against a hash that is no longer the user's: nothing is written, nothing ends.
      const stale = await store.users.setPassword(
        P,
        u.id,
        { change, passwordHash: 'new-hash', initiatingEntity: 'user', expectedHash: 'another-hash' },
        { selector, meta: { at: at + 1, reason: 'password_changed', actor: change.actor, recordId: id } },
      );
      expect(stale).toEqual({ written: false, record: null, apps: [], end: null });
      expect((await store.users.get(P, u.id))?.passwordHash).toBe('old-hash');
      expect((await store.sessions.get(P, other.session.id))?.endedAt).toBeNull();
      // Another pool's administrator reaches nobody.
      expect(
        (
          await store.users.setPassword(
            Q,
            u.id,
            { change, passwordHash: 'x', initiatingEntity: 'admin' },
            null,
          )
        ).written,
      ).toBe(false);

      const written = await store.users.setPassword(
        P,
        u.id,
        { change, passwordHash: 'new-hash', initiatingEntity: 'user', expectedHash: 'old-hash' },
        { selector, meta: { at: at + 1, reason: 'password_changed', actor: change.actor, recordId: id } },
      );
      expect(written).toMatchObject({
        written: true,
        apps: [receiver.id],
        record: { ...change, poolId: P, userId: u.id, sessionsEnded: 1, events: 1 },
        end: {
          revoked: [other.session.id],
          sessions: 1,
          deliveries: 1,
          record: { id, reason: 'password_changed' },
        },
      });
      expect(await store.users.get(P, u.id)).toMatchObject({ passwordHash: 'new-hash', updatedAt: at + 1 });
      expect(await store.sessions.get(P, other.session.id)).toMatchObject({
        endedAt: at + 1,
        endReason: 'password_changed',
      });
      expect((await store.sessions.get(P, kept.session.id))?.endedAt).toBeNull();
      // The receiver's stream: the session-revoked SET of the end and the credential change, one
      // txn; the app the user never used gets nothing.
      const sets = await store.ssf.pollable(P, streams[receiver.id]!, 10);
      expect(sets.map((x) => [x.eventType, x.endId, x.userId]).sort()).toEqual([
        ['credential-change', id, u.id],
        ['session-revoked', id, u.id],
      ]);
      expect(sets.find((x) => x.eventType === 'credential-change')).toMatchObject({
        reason: 'password_changed',
        detail: { initiatingEntity: 'user' },
        sessionId: null,
      });
      expect(await store.ssf.pollable(P, streams[unused.id]!, 10)).toEqual([]);

      // A reset that keeps every session: a record, a SET, no end.
      const reset = await store.users.setPassword(
        P,
        u.id,
        {
          change: { ...change, id: newId(), at: at + 2, reason: 'admin_password_reset', endSessions: 'none' },
          passwordHash: 'reset-hash',
          initiatingEntity: 'admin',
        },
        null,
      );
      expect(reset).toMatchObject({ written: true, end: null, record: { sessionsEnded: 0, events: 1 } });
      expect((await store.sessions.get(P, kept.session.id))?.endedAt).toBeNull();

      const page = await store.audit.listCredentialChanges(P, 0, 2);
      expect(page.list.map((c) => [c.reason, c.endSessions, c.sessionsEnded])).toEqual([
        ['admin_password_reset', 'none', 0],
        ['password_changed', 'others', 1],
      ]);
      expect(page.list[1]).toEqual(written.record);
      expect((await store.audit.listCredentialChanges(Q, 0, 100)).list.some((c) => c.userId === u.id)).toBe(
        false,
      );
    });

    it('deliveries: a run’s marks in one call write what the single marks write, only to pending rows of their pool', async () => {
      const R = `pool-${newId()}`;
      await store.pools.create({
        id: R,
        name: R,
        secretHash: hashSecret('s'),
        signUpEnabled: false,
        createdAt: T0,
      });
      const a = app(R, { backchannelLogoutUri: 'https://e.example/bc' });
      await store.apps.create(a);
      const u = user(R);
      await store.users.create(u);
      const sessions = [];
      for (let i = 0; i < 6; i++) sessions.push((await session(R, u.id, [a.id])).session.id);
      const at = T0 + 6_000_000;
      await store.sessions.end({ scope: 'sessions', poolId: R, sessionIds: sessions }, meta(at));
      const lease = 60_000;
      const claimed = (await store.deliveries.claimDue(at + 7_000_000, 1000, lease)).filter(
        (d) => d.appId === a.id,
      );
      expect(claimed).toHaveLength(6);
      const [d1, d2, d3, d4, d5, d6] = claimed.map((d) => d.id) as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      // d4 failed earlier: a later mark leaves it alone. d5 gets a retry first, to have a lastError.
      expect(await store.deliveries.markFailed(R, d4, 1, 'gone')).toBe(true);
      expect(await store.deliveries.markRetry(R, d5, 1, at + 10, 'HTTP 503')).toBe(true);

      expect(await store.deliveries.markMany([])).toEqual([]);
      expect(
        await store.deliveries.markMany([
          { poolId: R, id: d1, attempts: 1, status: 'delivered', at: at + 1 },
          { poolId: R, id: d2, attempts: 2, status: 'pending', nextAttemptAt: at + 5000, error: 'HTTP 500' },
          { poolId: R, id: d3, attempts: 3, status: 'failed', error: '400 Bad Request' },
          { poolId: R, id: d4, attempts: 9, status: 'delivered', at: at + 1 },
          { poolId: R, id: d5, attempts: 1, status: 'pending', nextAttemptAt: at + 20, error: null },
          { poolId: P, id: d6, attempts: 1, status: 'delivered', at: at + 1 },
        ]),
      ).toEqual([true, true, true, false, true, false]);
      const get = (id: string) => store.deliveries.get(R, id);
      expect(await get(d1)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        deliveredAt: at + 1,
        lastError: null,
      });
      expect(await get(d2)).toMatchObject({
        status: 'pending',
        attempts: 2,
        nextAttemptAt: at + 5000,
        lastError: 'HTTP 500',
        deliveredAt: null,
      });
      expect(await get(d3)).toMatchObject({ status: 'failed', attempts: 3, lastError: '400 Bad Request' });
      expect(await get(d4)).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: 'gone',
        deliveredAt: null,
      });
      // Given back unsent: due again, its attempts and last error as they were.
      expect(await get(d5)).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: at + 20,
        lastError: 'HTTP 503',
      });
      // Another pool's mark reached nothing: still claimed, as it was.
      expect(await get(d6)).toMatchObject({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at + 7_000_000 + lease,
      });
    });

    it('lists expired sessions, and records newest-first audit pages per pool', async () => {
      const u = user(Q);
      await store.users.create(u);
      const old = await session(Q, u.id, [], T0 - 10 * 3_600_000);
      const expired = await store.sessions.listExpired(T0 - 86_400_000, T0, 100);
      expect(expired).toContainEqual({ id: old.session.id, poolId: Q });
      expect(await store.sessions.listExpired(T0 - 1000, T0, 100)).not.toContainEqual({
        id: old.session.id,
        poolId: Q,
      });
      for (let i = 0; i < 3; i++) {
        const s = await session(Q, u.id, []);
        await store.sessions.end(
          { scope: 'sessions', poolId: Q, sessionIds: [s.session.id] },
          meta(T0 + 1000 + i),
        );
      }
      const page = await store.audit.listSessionEnds(Q, 0, 2);
      expect(page.totalCount).toBe(3);
      expect(page.list.map((r) => r.at)).toEqual([T0 + 1002, T0 + 1001]);
      expect((await store.audit.listSessionEnds(Q, 2, 2)).list.map((r) => r.at)).toEqual([T0 + 1000]);
      expect((await store.audit.listSessionEnds(P, 0, 100)).list.every((r) => r.poolId === P)).toBe(true);
    });

    defineConsoleStoreCases(() => store);
  });
}
