// Password sign-in to an app. When the browser already holds a live session of the same user,
// the app joins that session (one device, one session, several apps) instead of starting a
// second one; otherwise a new session starts and its cookie is returned.
import type { Store } from '../../store/store.ts';
import type { App, AppSession, Session, User } from '../model.ts';
import { verifyPassword } from '../passwords.ts';
import type { SessionService } from '../sessions/sessions.ts';
import type { TokenService } from '../tokens/tokens.ts';

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
  | { ok: false; reason: 'app_not_found' | 'invalid_credentials' };

export function createLoginService(deps: { store: Store; sessions: SessionService; tokens: TokenService }) {
  const { store, sessions, tokens } = deps;

  /** The app a request names, provided it belongs to the pool the request names (if any). */
  async function appInPool(appId: string, poolId: string | null): Promise<App | null> {
    const app = await store.apps.resolve(appId);
    return app && (poolId === null || app.poolId === poolId) ? app : null;
  }

  async function issue(app: App, session: Session, appSession: AppSession) {
    return tokens.issueAccessToken({
      poolId: app.poolId,
      userId: session.userId,
      appId: app.id,
      sessionId: session.id,
      appSessionId: appSession.id,
      notAfter: session.expiresAt,
    });
  }

  return {
    appInPool,

    async withPassword(input: LoginInput): Promise<LoginResult> {
      const app = await appInPool(input.appId, input.poolId);
      if (!app) return { ok: false, reason: 'app_not_found' };
      const user = await store.users.findByAccount(app.poolId, input.account);
      const valid = await verifyPassword(user?.passwordHash ?? null, input.password);
      if (!user || !valid) return { ok: false, reason: 'invalid_credentials' };

      const found = input.cookieSecret ? await sessions.fromCookie(input.cookieSecret) : null;
      if (found && found.poolId === app.poolId && found.userId === user.id) {
        const existing = await sessions.recordAuthentication(found);
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
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
