// The session a browser's signoff_session cookie names, for the hosted pages. Cookie only: a
// page never acts on a Bearer token, which a browser does not send on navigation anyway.
import type { FastifyRequest } from 'fastify';
import type { Session } from '../../domain/model.ts';
import type { Services } from '../../domain/services.ts';
import { readSessionCookie } from '../session-cookie.ts';

export async function browserSession(
  services: Services,
  request: FastifyRequest,
  options: { touch: boolean } = { touch: true },
): Promise<Session | null> {
  const secret = readSessionCookie(request);
  if (!secret) return null;
  const session = await services.sessions.fromCookie(secret);
  // The index knows of an end committed on another node before this node's store read may.
  if (!session || services.index.has(session.id)) return null;
  if (!options.touch) return session;
  // Not waited for; it reports its own failures (once per store outage).
  void services.sessions.recordActivity(session.poolId, session.id, null);
  return session;
}

export const principalOf = (session: Session) => ({
  poolId: session.poolId,
  userId: session.userId,
  sessionId: session.id,
});
