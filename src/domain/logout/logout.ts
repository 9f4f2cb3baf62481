// Every logout an end user or an admin asks for, expressed as a selector for the session
// core. Nothing here writes on its own.
import type { Store } from '../../store/store.ts';
import type { Actor, App } from '../model.ts';
import type { EndSummary, SessionCore } from '../sessions/session-core.ts';
import type { SessionService } from '../sessions/sessions.ts';

export type LogoutScope = 'local' | 'others' | 'global';

export interface SessionPrincipal {
  poolId: string;
  userId: string;
  sessionId: string;
}

/** What a browser asked of a front-end logout route (Authing's, Wix's). */
export interface FrontChannelLogoutInput {
  /** The browser's live session, if its cookie named one. */
  session: SessionPrincipal | null;
  /** The app the request names (app_id, client_id, clientId), if it names one. */
  appId: string | null;
  /** Where the app asks to be sent afterwards, if anywhere. */
  redirectUri: string | null;
  /** The pool whose apps' lists are searched when no app is named and no session tells it. */
  fallbackPoolId: string | null;
}

export interface FrontChannelLogoutOutcome {
  /** Null when the browser had no live session: logging out twice is still a success. */
  ended: EndSummary | null;
  /** The named app; null when none was named or it does not exist. */
  app: App | null;
  /** An app was named that does not exist. */
  unknownApp: boolean;
  /**
   * `follow`: the exact registered URI to redirect to. `refused`: a redirect was asked for and
   * is not registered (or cannot be checked). `none`: none was asked for.
   */
  redirect: { kind: 'follow'; uri: string } | { kind: 'refused' } | { kind: 'none' };
}

/**
 * A logout redirect is followed only when it is, character for character, one of the app's
 * registered logoutRedirectUris: no normalisation (case, port, trailing slash, encoding) and
 * no prefix match, so a registration means exactly one place.
 */
export const isRegisteredLogoutRedirect = (app: Pick<App, 'logoutRedirectUris'>, uri: string) =>
  app.logoutRedirectUris.includes(uri);

export function createLogoutService(deps: { core: SessionCore; sessions: SessionService; store: Store }) {
  const { core, sessions, store } = deps;

  /**
   * A browser logout that an app asked for (OIDC end session, an app's logout link) or
   * that the user asked for on a Signoff page: the given sessions of one user end.
   */
  function endBrowserSessions(poolId: string, userId: string, sessionIds: string[], appId: string | null) {
    return core.endSessions(
      { scope: 'sessions', poolId, sessionIds },
      appId ? 'app_logout' : 'user_logout',
      appId ? { type: 'app', id: appId } : { type: 'user', id: userId },
    );
  }

  return {
    endBrowserSessions,

    /**
     * Front-end logout (CONTRACT §6): ends the browser's session whatever else is wrong with
     * the request — an unknown app or an unregistered redirect is reported, never a reason to
     * keep the user signed in — then decides whether the redirect may be followed.
     */
    async frontChannelLogout(input: FrontChannelLogoutInput): Promise<FrontChannelLogoutOutcome> {
      const app = input.appId ? await store.apps.resolve(input.appId) : null;
      const { session } = input;
      // The app is recorded as the one that asked only when it belongs to the session's pool.
      const ended = session
        ? await endBrowserSessions(
            session.poolId,
            session.userId,
            [session.sessionId],
            app && app.poolId === session.poolId ? app.id : null,
          )
        : null;
      const outcome = { ended, app, unknownApp: input.appId !== null && app === null };
      const uri = input.redirectUri;
      if (uri === null) return { ...outcome, redirect: { kind: 'none' } };
      // Only the addresses of the pool whose session ends (issue 10): another tenant's apps
      // are no redirect for this browser. Without a session, the pool the hosted pages serve by
      // default: a logged-out visitor has no pool of their own, and a link naming another
      // pool's app must not turn Signoff into that tenant's redirector.
      const poolId = input.session?.poolId ?? input.fallbackPoolId;
      if (input.appId !== null) {
        const follow = app !== null && app.poolId === poolId && isRegisteredLogoutRedirect(app, uri);
        return { ...outcome, redirect: follow ? { kind: 'follow', uri } : { kind: 'refused' } };
      }
      // No app named: any app of the pool may have registered it (Authing's hosted logout sits
      // on the app's own domain, so the pool is what is known here).
      const apps = poolId ? await store.apps.list(poolId) : [];
      return {
        ...outcome,
        redirect: apps.some((a) => isRegisteredLogoutRedirect(a, uri))
          ? { kind: 'follow', uri }
          : { kind: 'refused' },
      };
    },

    /** CONTRACT §5: local = this session, others = my other sessions, global = all of mine. */
    logout(principal: SessionPrincipal, scope: LogoutScope) {
      const { poolId, userId, sessionId } = principal;
      const actor: Actor = { type: 'user', id: userId };
      if (scope === 'local') {
        return core.endSessions({ scope: 'sessions', poolId, sessionIds: [sessionId] }, 'user_logout', actor);
      }
      if (scope === 'others') {
        return core.endSessions(
          { scope: 'users', poolId, userIds: [userId], exceptSessionId: sessionId },
          'user_logout_others',
          actor,
        );
      }
      return core.endSessions({ scope: 'users', poolId, userIds: [userId] }, 'user_logout_global', actor);
    },

    /** A user ends one of their own sessions (personal center, me/sessions). */
    async endOwnSession(principal: SessionPrincipal, sessionId: string) {
      const session = await sessions.get(principal.poolId, sessionId);
      if (!session || session.userId !== principal.userId || session.endedAt !== null) return null;
      return core.endSessions(
        { scope: 'sessions', poolId: principal.poolId, sessionIds: [sessionId] },
        'user_ended_session',
        {
          type: 'user',
          id: principal.userId,
        },
      );
    },

    /** An administrator ends one session of their pool. */
    async endSessionAsAdmin(poolId: string, sessionId: string, actor: Actor) {
      const session = await sessions.get(poolId, sessionId);
      if (!session || session.endedAt !== null) return null;
      return core.endSessions({ scope: 'sessions', poolId, sessionIds: [sessionId] }, 'admin_logout', actor);
    },

    /**
     * Authing's "kick active users" (CONTRACT §4): the users' app sessions in this app end at
     * once — tokens refused, the app notified, no silent SSO back into it — while their
     * sessions go on for other apps. Unknown user ids (and other pools' ids) end nothing.
     */
    kickFromApp: (poolId: string, appId: string, userIds: string[], actor: Actor) =>
      core.endSessions({ scope: 'app-users', poolId, appId, userIds }, 'admin_kick', actor),

    /** Every session of these users ends, in every app of the pool (users/kick, GET /logout). */
    kickFromPool: (poolId: string, userIds: string[], actor: Actor) =>
      core.endSessions({ scope: 'users', poolId, userIds }, 'admin_kick', actor),

    /** An administrator ends every session of some users. Unknown ids end nothing. */
    endUsersAsAdmin: (poolId: string, userIds: string[], actor: Actor) =>
      core.endSessions({ scope: 'users', poolId, userIds }, 'admin_logout', actor),
  };
}

export type LogoutService = ReturnType<typeof createLogoutService>;
