// Password sign-in, to an app (the API) or to a pool alone (the hosted login page). When the
// browser already holds a live session of the same user, that session is reused (one device,
// one session, several apps) instead of starting a second one; otherwise a new session starts
// and its cookie is returned — it replaces the browser's cookie, and the session of the other
// user it held stays live until ended or expired.
import { createHash } from 'node:crypto';
import type { Store } from '../../store/store.ts';
import type { App, AppSession, Session, User } from '../model.ts';
import { verifyPassword } from '../passwords.ts';
import type { SessionService } from '../sessions/sessions.ts';
import type { TokenService } from '../tokens/tokens.ts';
import { normalizeAccount } from '../users/username.ts';
import { addressKey, type Throttle } from './throttle.ts';

/** The sign-in throttle's rules (services.ts sets their limits). */
export type SignInRule = 'account' | 'address';

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

/**
 * What a sign-in's failures count against: the user, however they were named (username or
 * email, in any case the store matches); when no user has that name, the name grouped the way
 * the store would group a real user's (src/store/sql/users.ts findByAccount: a username
 * exactly, an email whatever its case — and only an email holds an "@"). So a made-up `zed`
 * and `Zed` are two counts, as a real `bob` and `Bob` are (`Bob` names nobody), and
 * `zed@x`/`ZED@x` one, as `bob@x`/`BOB@x` are: the locks a guesser sees do not tell whether an
 * account exists. A name is hashed: people type passwords into the account field.
 */
function throttleSubject(poolId: string, name: string, user: User | null): string {
  const pool = encodeURIComponent(poolId);
  if (user) return `${pool}:user:${user.id}`;
  const grouped = name.includes('@') ? name.toLowerCase() : name;
  return `${pool}:name:${createHash('sha256').update(grouped).digest('base64url')}`;
}

export function createLoginService(deps: {
  store: Store;
  sessions: SessionService;
  tokens: TokenService;
  throttle: Throttle<SignInRule>;
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

  /**
   * The user whose account and password these are, or null (same time either way), or when
   * to retry if throttled — then the password was not checked. Every password sign-in (the hosted page,
   * which the OIDC interaction sends browsers to, the API, the Kontenbase route) comes here,
   * so that they share one count per user.
   */
  async function checkPassword(
    poolId: string,
    account: string,
    password: string,
    ip: string | null,
  ): Promise<User | null | { throttled: number }> {
    const name = normalizeAccount(account);
    const user = await store.users.findByAccount(poolId, name);
    const attempt = await throttle.begin({
      account: throttleSubject(poolId, name, user),
      address: addressKey(ip),
    });
    if (!attempt.ok) return { throttled: attempt.retryAt };
    const valid = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !valid) {
      await attempt.failed();
      return null;
    }
    await attempt.succeeded();
    return user;
  }

  /**
   * Whether `password` is this user's, counted by the same throttle as a sign-in (the same
   * key: the user): a route that checks the current password (a password change) is no way
   * around the limit for someone holding a stolen session.
   */
  async function checkUserPassword(
    user: User,
    password: string,
    ip: string | null,
  ): Promise<boolean | { throttled: number }> {
    const attempt = await throttle.begin({
      account: throttleSubject(user.poolId, '', user),
      address: addressKey(ip),
    });
    if (!attempt.ok) return { throttled: attempt.retryAt };
    if (!(await verifyPassword(user.passwordHash, password))) {
      await attempt.failed();
      return false;
    }
    await attempt.succeeded();
    return true;
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
    checkUserPassword,

    /**
     * A new session for a user who just chose their password (sign-up): the browser is signed
     * in as after a password sign-in to the pool, with a new cookie (replacing another
     * user's session in it, as a sign-in does).
     */
    async startSession(user: User, client: { userAgent: string | null; ip: string | null }) {
      const started = await sessions.start({
        poolId: user.poolId,
        userId: user.id,
        appId: null,
        userAgent: client.userAgent,
        ip: client.ip,
      });
      return { session: started.session, newCookieSecret: started.secret };
    },

    async withPassword(input: LoginInput): Promise<LoginResult> {
      const app = await appInPool(input.appId, input.poolId);
      if (!app) return { ok: false, reason: 'app_not_found' };
      // The same count as the hosted login page's: an API is no way around it.
      const user = await checkPassword(app.poolId, input.account, input.password, input.ip);
      if (user === null) return { ok: false, reason: 'invalid_credentials' };
      if ('throttled' in user) return { ok: false, reason: 'throttled', retryAt: user.throttled };

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
      const user = await checkPassword(input.poolId, input.account, input.password, input.ip);
      if (user === null) return { ok: false, reason: 'invalid_credentials' };
      if ('throttled' in user) return { ok: false, reason: 'throttled', retryAt: user.throttled };
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
