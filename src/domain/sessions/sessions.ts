// Starting sessions, finding them from a cookie, listing a user's devices, recording
// activity and ending expired sessions. Ending always goes through the session core.
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import { hashSecret, newId, newSecret } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { AppSession, Session, SessionWithApps } from '../model.ts';
import { createOutageLog } from '../outage-log.ts';
import { parseDevice } from './device.ts';
import type { SessionCore } from './session-core.ts';

export interface SessionServiceDeps {
  store: Store;
  core: SessionCore;
  clock: Clock;
  /** Seconds. */
  idleTTL: number;
  /** Seconds. */
  absoluteTTL: number;
  /** Where a failed activity write is told: once per store outage (outage-log.ts). */
  log: Logger;
}

export interface StartedSession {
  session: Session;
  appSession: AppSession | null;
  /** The cookie value. Only its hash is stored. */
  secret: string;
}

// Activity is written at most once a minute per session: "last active" needs no more
// precision, and a write per request would make every authenticated call a database write.
const TOUCH_INTERVAL_MS = 60_000;
const TOUCH_MEMORY = 100_000;

export function createSessionService(deps: SessionServiceDeps) {
  const { store, core, clock } = deps;
  const idleMs = deps.idleTTL * 1000;
  const lastTouch = new Map<string, number>();
  // Every request with a session notes its activity: while the store is away that would be a
  // line per request on top of the request's own answer.
  const activityLog = createOutageLog(deps.log, 'recording session activity');
  // The sweeper reads expiries by time window. At boot the window opens one absolute
  // lifetime back: anything expired before that has no usable cookie or token left anyway.
  let sweptUntil = clock.now() - deps.absoluteTTL * 1000;

  function newAppSession(session: Session, appId: string, at: number): AppSession {
    return {
      id: newId(),
      sessionId: session.id,
      poolId: session.poolId,
      appId,
      userId: session.userId,
      createdAt: at,
      lastActiveAt: at,
      endedAt: null,
      endReason: null,
    };
  }

  return {
    async start(input: {
      poolId: string;
      userId: string;
      appId: string | null;
      userAgent: string | null;
      ip: string | null;
    }): Promise<StartedSession> {
      const at = clock.now();
      const secret = newSecret();
      const userAgent = input.userAgent?.slice(0, 512) ?? null;
      const session: Session = {
        id: newId(),
        poolId: input.poolId,
        userId: input.userId,
        secretHash: hashSecret(secret),
        userAgent,
        ip: input.ip,
        device: parseDevice(userAgent),
        createdAt: at,
        authenticatedAt: at,
        lastActiveAt: at,
        // Idle expiry never lies past the absolute one: one index then finds every expired session.
        idleExpiresAt: Math.min(at + idleMs, at + deps.absoluteTTL * 1000),
        expiresAt: at + deps.absoluteTTL * 1000,
        endedAt: null,
        endReason: null,
      };
      const appSession = input.appId ? newAppSession(session, input.appId, at) : null;
      await store.sessions.create(session, appSession);
      return { session, appSession, secret };
    },

    /** Signs a live session in to one more app (single sign-on), or returns its live app session. */
    async joinApp(session: Session, appId: string): Promise<AppSession> {
      const latest = await store.sessions.latestAppSession(session.poolId, session.id, appId);
      if (latest && latest.endedAt === null) return latest;
      const appSession = newAppSession(session, appId, clock.now());
      await store.sessions.addApp(appSession);
      return appSession;
    },

    /** Notes that the user just proved who they are (password) on this live session. */
    async recordAuthentication(session: Session): Promise<Session> {
      const at = clock.now();
      await store.sessions.recordAuthentication(session.poolId, session.id, at);
      return { ...session, authenticatedAt: at };
    },

    latestAppSession: (session: Session, appId: string) =>
      store.sessions.latestAppSession(session.poolId, session.id, appId),

    /** The live session a cookie secret belongs to, or null. */
    fromCookie: (secret: string): Promise<Session | null> =>
      store.sessions.findBySecretHash(hashSecret(secret), clock.now()),

    get: (poolId: string, sessionId: string): Promise<SessionWithApps | null> =>
      store.sessions.get(poolId, sessionId),

    listOfUser: (poolId: string, userId: string): Promise<SessionWithApps[]> =>
      store.sessions.listOfUser(poolId, userId, clock.now()),

    /** An app's login status: who is signed in to it, most recently active first. */
    async activeUsersOfApp(poolId: string, appId: string, page: number, limit: number) {
      const found = await store.sessions.listActiveUsersOfApp(
        poolId,
        appId,
        clock.now(),
        (page - 1) * limit,
        limit,
      );
      const users = new Map(
        (
          await store.users.getMany(
            poolId,
            found.list.map((a) => a.userId),
          )
        ).map((u) => [u.id, u]),
      );
      return {
        totalCount: found.totalCount,
        list: found.list.flatMap((a) => {
          const user = users.get(a.userId);
          return user ? [{ user, activity: a }] : [];
        }),
      };
    },

    isSignedIn: (poolId: string, userId: string, appId: string | null) =>
      store.sessions.isSignedIn(poolId, userId, appId, clock.now()),

    /**
     * Notes activity (throttled); never fails, nor fails the request that triggered it: a
     * write that fails is logged (once per store outage), and the session's next request past
     * the interval writes again.
     */
    async recordActivity(poolId: string, sessionId: string, appSessionId: string | null): Promise<void> {
      const now = clock.now();
      const key = appSessionId ?? sessionId;
      const previous = lastTouch.get(key);
      if (previous !== undefined && now - previous < TOUCH_INTERVAL_MS) return;
      if (lastTouch.size >= TOUCH_MEMORY) lastTouch.clear();
      lastTouch.set(key, now);
      try {
        await store.sessions.touch(poolId, sessionId, appSessionId, now, now + idleMs);
        activityLog.succeeded();
      } catch (error) {
        activityLog.failed(error, 'recording session activity failed');
      }
    },

    /** Ends sessions past their idle or absolute expiry, pool by pool. Returns how many ended. */
    async endExpired(batch = 1000): Promise<number> {
      let total = 0;
      const now = clock.now();
      for (;;) {
        const expired = await store.sessions.listExpired(sweptUntil, now, batch);
        if (expired.length === 0) {
          // The next window overlaps this one by a minute: nodes' clocks and commits are not exact.
          sweptUntil = Math.max(sweptUntil, now - 60_000);
          return total;
        }
        const byPool = new Map<string, string[]>();
        for (const s of expired) byPool.set(s.poolId, [...(byPool.get(s.poolId) ?? []), s.id]);
        for (const [poolId, sessionIds] of byPool) {
          const ended = await core.endSessions({ scope: 'sessions', poolId, sessionIds }, 'expired', {
            type: 'system',
            id: null,
          });
          total += ended.sessions;
        }
      }
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
