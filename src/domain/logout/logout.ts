// Every logout an end user or an admin asks for, expressed as a selector for the session
// core. Nothing here writes on its own.
import type { Actor } from '../model.ts';
import type { SessionCore } from '../sessions/session-core.ts';
import type { SessionService } from '../sessions/sessions.ts';

export type LogoutScope = 'local' | 'others' | 'global';

export interface SessionPrincipal {
  poolId: string;
  userId: string;
  sessionId: string;
}

export function createLogoutService(deps: { core: SessionCore; sessions: SessionService }) {
  const { core, sessions } = deps;
  return {
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

    /**
     * A browser logout that an app asked for (OIDC end session, an app's logout link) or
     * that the user asked for on a Signoff page: the given sessions of one user end.
     */
    endBrowserSessions(poolId: string, userId: string, sessionIds: string[], appId: string | null) {
      return core.endSessions(
        { scope: 'sessions', poolId, sessionIds },
        appId ? 'app_logout' : 'user_logout',
        appId ? { type: 'app', id: appId } : { type: 'user', id: userId },
      );
    },

    /** An administrator ends one session of their pool. */
    async endSessionAsAdmin(poolId: string, sessionId: string, actor: Actor) {
      const session = await sessions.get(poolId, sessionId);
      if (!session || session.endedAt !== null) return null;
      return core.endSessions({ scope: 'sessions', poolId, sessionIds: [sessionId] }, 'admin_logout', actor);
    },

    /** An administrator ends every session of some users. Unknown ids end nothing. */
    endUsersAsAdmin: (poolId: string, userIds: string[], actor: Actor) =>
      core.endSessions({ scope: 'users', poolId, userIds }, 'admin_logout', actor),
  };
}

export type LogoutService = ReturnType<typeof createLogoutService>;
