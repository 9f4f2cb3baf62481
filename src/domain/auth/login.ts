// Password sign-in, to an app (the API) or to a pool alone (the hosted login page). When the
// browser already holds a live session of the same user, that session is reused (one device,
// one session, several apps) instead of starting a second one; otherwise a new session starts
// and its cookie is returned — it replaces the browser's cookie, and the session of the other
// user it held stays live until ended or expired.
import type { Store } from '../../store/store.ts';
import type { App, AppSession, Session, User } from '../model.ts';
import { verifyPassword } from '../passwords.ts';
import type { SessionService } from '../sessions/sessions.ts';
import type { TokenService } from '../tokens/tokens.ts';
import { normalizeAccount } from '../users/username.ts';
import type { LoginThrottle } from './login-throttle.ts';

export interface LoginInput {
  appId: string;
  /** The pool the caller says it is in (x-authing-userpool-id), if it said. */
  poolId: string | null;
  account: string;
  password: string;
  /** The SSO cookie the browser sent, if any. */
  cookieSecret: string | null;
  userAgent: string | null;
  ip: string | null;
}

export type LoginResult =
  | {
      ok: true;
      user: User;
      app: App;
      session: Session;
      appSession: AppSession;
      token: string;
      expiresAt: number;
      /** Set when a new session was started: the cookie to send. */
      newCookieSecret: string | null;
    }
  | { ok: false; reason: 'app_not_found' | 'invalid_credentials' }
  /** Too many recent failures for this account or from this address; nothing was checked. */
  | { ok: false; reason: 'throttled'; retryAt: number };

export interface PoolLoginInput {
  poolId: string;
  account: string;
  password: string;
  /** The SSO cookie the browser sent, if any. */
  cookieSecret: string | null;
  userAgent: string | null;
  ip: string | null;
}

export type PoolLoginResult =
  | {
      ok: true;
      user: User;
      session: Session;
      /** Set when a new session was started: the cookie to send. */
      newCookieSecret: string | null;
    }
  | { ok: false; reason: 'invalid_credentials' }
  /** Too many recent failures for this account or from this address; nothing was checked. */
  | { ok: false; reason: 'throttled'; retryAt: number };

export function createLoginService(deps: {
  store: Store;
  sessions: SessionService;
  tokens: TokenService;
  throttle: LoginThrottle;
}) {
  const { store, sessions, tokens, throttle } = deps;

  /** The app a request names, provided it belongs to the pool the request names (if any). */
  async function appInPool(appId: string, poolId: string | null): Promise<App | null> {
    const app = await store.apps.resolve(appId);
    return app && (poolId === null || app.poolId === poolId) ? app : null;
  }

  async function issue(app: App, session: Session, appSession: AppSession) {
    const issued = await tokens.issueAccessToken({
      poolId: app.poolId,
      userId: session.userId,
      appId: app.id,
      sessionId: session.id,
      appSessionId: appSession.id,
      notAfter: session.expiresAt,
    });
    // Before the token is handed out: a logout must revoke the session for as long as it lives.
    await store.sessions.recordToken(app.poolId, session.id, issued.expiresAt);
    return issued;
  }

  /** The user whose account and password these are, or null (same time either way). */
  async function checkPassword(poolId: string, account: string, password: string): Promise<User | null> {
    const user = await store.users.findByAccount(poolId, normalizeAccount(account));
    const valid = await verifyPassword(user?.passwordHash ?? null, password);
    return user && valid ? user : null;
  }

  /**
   * The browser's live session when it is this user's in this pool, marked as just
   * authenticated (the caller has checked the password): OIDC prompt=login and max_age read it.
   */
  async function reauthenticated(cookieSecret: string | null, user: User): Promise<Session | null> {
    const found = cookieSecret ? await sessions.fromCookie(cookieSecret) : null;
    if (!found || found.poolId !== user.poolId || found.userId !== user.id) return null;
    return sessions.recordAuthentication(found);
  }

  return {
    appInPool,

    async withPassword(input: LoginInput): Promise<LoginResult> {
      const app = await appInPool(input.appId, input.poolId);
      if (!app) return { ok: false, reason: 'app_not_found' };
      // The same throttle as the hosted login page: an API is no way around it.
      const attempt = { poolId: app.poolId, account: input.account, ip: input.ip };
      const blocked = throttle.check(attempt);
      if (blocked) return { ok: false, reason: 'throttled', retryAt: blocked.retryAt };
      const user = await checkPassword(app.poolId, input.account, input.password);
      if (!user) {
        throttle.recordFailure(attempt);
        return { ok: false, reason: 'invalid_credentials' };
      }
      throttle.recordSuccess(attempt);

      const existing = await reauthenticated(input.cookieSecret, user);
      if (existing) {
        const appSession = await sessions.joinApp(existing, app.id);
        const { token, expiresAt } = await issue(app, existing, appSession);
        return {
          ok: true,
          user,
          app,
          session: existing,
          appSession,
          token,
          expiresAt,
          newCookieSecret: null,
        };
      }
      const started = await sessions.start({
        poolId: app.poolId,
        userId: user.id,
        appId: app.id,
        userAgent: input.userAgent,
        ip: input.ip,
      });
      const appSession = started.appSession!;
      const { token, expiresAt } = await issue(app, started.session, appSession);
      return {
        ok: true,
        user,
        app,
        session: started.session,
        appSession,
        token,
        expiresAt,
        newCookieSecret: started.secret,
      };
    },

    /**
     * Password sign-in to a pool without an app (the hosted login page): the browser session
     * that apps then join by SSO. Same session rule as withPassword; failures are throttled
     * per account and per client address.
     */
    async withPasswordInPool(input: PoolLoginInput): Promise<PoolLoginResult> {
      const user = await store.users.findByAccount(input.poolId, normalizeAccount(input.account));
      // Failures count against the user however they are named (username or email); against
      // the name as typed when no such user exists, which then behaves exactly the same.
      const attempt = {
        poolId: input.poolId,
        account: user ? `user:${user.id}` : `name:${input.account.trim().toLowerCase()}`,
        ip: input.ip,
      };
      const blocked = throttle.check(attempt);
      if (blocked) return { ok: false, reason: 'throttled', retryAt: blocked.retryAt };
      if (!(await verifyPassword(user?.passwordHash ?? null, input.password)) || !user) {
        throttle.recordFailure(attempt);
        return { ok: false, reason: 'invalid_credentials' };
      }
      throttle.recordSuccess(attempt);
      const existing = await reauthenticated(input.cookieSecret, user);
      if (existing) return { ok: true, user, session: existing, newCookieSecret: null };
      const started = await sessions.start({
        poolId: user.poolId,
        userId: user.id,
        appId: null,
        userAgent: input.userAgent,
        ip: input.ip,
      });
      return { ok: true, user, session: started.session, newCookieSecret: started.secret };
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
