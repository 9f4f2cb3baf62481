// The token verifier in front of an API's routes: a Node.js `http` / Express / Connect
// middleware and a Fastify hook, each a few lines over `verify`. The request and reply types
// are structural (the members used, nothing more), so that this file needs neither
// @types/node nor Fastify's types and type-checks in a browser build.
//
// Refusals follow RFC 6750 §3: 401 with `WWW-Authenticate: Bearer error="invalid_token",
// error_description="<reason>"` for a token that does not pass, and a bare `Bearer` challenge
// when the request has no token at all (§3.1: "the resource server SHOULD NOT include an error
// code or other error information" then).
import type { AccessTokenClaims, TokenRefusalReason, TokenVerifier } from './token-verifier.ts';

/**
 * A request the middleware can read, and what it sets on it: `auth`, the verified claims.
 * Node's `IncomingMessage`, Express's and Fastify's requests all fit.
 *
 * @example
 * ```ts
 * const handler = (req: AuthenticatedRequest) => `hello ${req.auth?.sub}`;
 * ```
 */
export interface AuthenticatedRequest {
  headers: { authorization?: string | undefined };
  /** Set by the middleware or hook when the token passed. */
  auth?: AccessTokenClaims;
}

/**
 * The part of Node's `ServerResponse` (and Express's `res`) the middleware uses to refuse.
 *
 * @example
 * ```ts
 * const refuse = (res: NodeResponseLike) => {
 *   res.statusCode = 401;
 *   res.end('{}');
 * };
 * ```
 */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * The part of Fastify's reply the hook uses to refuse.
 *
 * @example
 * ```ts
 * const refuse = (reply: FastifyReplyLike) => reply.code(401).send({ error: 'invalid_token' });
 * ```
 */
export interface FastifyReplyLike {
  code(statusCode: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
}

/**
 * What a refusal says: the status, the `WWW-Authenticate` challenge (RFC 6750 §3) and a JSON
 * body with the same words.
 *
 * @example
 * ```ts
 * const { status, challenge, body } = refusalOf('revoked');
 * // 401, 'Bearer error="invalid_token", error_description="revoked"', {error: 'invalid_token', …}
 * ```
 */
export function refusalOf(reason: TokenRefusalReason | 'missing') {
  if (reason === 'missing') {
    return { status: 401, challenge: 'Bearer', body: { error_description: 'missing' } };
  }
  return {
    status: 401,
    challenge: `Bearer error="invalid_token", error_description="${reason}"`,
    body: { error: 'invalid_token', error_description: reason },
  };
}

/**
 * The token of an `Authorization: Bearer …` header (RFC 6750 §2.1; the scheme is
 * case-insensitive, RFC 9110 §11.1), or null.
 *
 * @example
 * ```ts
 * bearerTokenOf('Bearer eyJhbGciOi…'); // 'eyJhbGciOi…'
 * bearerTokenOf('Basic dXNlcjpwYXNz'); // null
 * ```
 */
export function bearerTokenOf(header: string | undefined): string | null {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/**
 * A middleware for Node.js `http`, Express and Connect: calls `next()` with `req.auth` set to
 * the token's claims, or answers 401 (see {@link refusalOf}). `next(error)` only for a fault of
 * the verifier itself.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { createTokenMiddleware, createTokenVerifier } from '@signoff/sdk';
 *
 * const verifier = await createTokenVerifier({ issuer, clientId, clientSecret });
 * const auth = createTokenMiddleware(verifier);
 *
 * // Express: app.use(auth); then req.auth.sub in the routes.
 * http
 *   .createServer((req, res) =>
 *     auth(req, res, () => res.end(JSON.stringify({ user: (req as AuthenticatedRequest).auth!.sub }))),
 *   )
 *   .listen(8080);
 * ```
 */
export function createTokenMiddleware(verifier: Pick<TokenVerifier, 'verify'>) {
  return async function signoffTokenMiddleware(
    req: AuthenticatedRequest,
    res: NodeResponseLike,
    next: (error?: unknown) => void,
  ): Promise<void> {
    let result: Awaited<ReturnType<TokenVerifier['verify']>> | null;
    try {
      const token = bearerTokenOf(req.headers.authorization);
      result = token === null ? null : await verifier.verify(token);
    } catch (error) {
      next(error);
      return;
    }
    if (result?.ok) {
      req.auth = result.claims;
      next();
      return;
    }
    const refusal = refusalOf(result ? result.reason : 'missing');
    res.statusCode = refusal.status;
    res.setHeader('www-authenticate', refusal.challenge);
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'no-store');
    res.end(JSON.stringify(refusal.body));
  };
}

/**
 * A Fastify `onRequest` (or `preHandler`) hook: sets `request.auth` to the token's claims, or
 * answers 401 (see {@link refusalOf}) and ends the request there.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createFastifyTokenHook, createTokenVerifier, type AccessTokenClaims } from '@signoff/sdk';
 *
 * declare module 'fastify' {
 *   interface FastifyRequest { auth?: AccessTokenClaims }
 * }
 *
 * const verifier = await createTokenVerifier({ issuer, clientId, clientSecret });
 * const app = Fastify();
 * app.decorateRequest('auth', undefined);
 * app.addHook('onRequest', createFastifyTokenHook(verifier));
 * app.get('/me', async (request) => ({ user: request.auth!.sub }));
 * ```
 */
export function createFastifyTokenHook(verifier: Pick<TokenVerifier, 'verify'>) {
  return async function signoffTokenHook(request: AuthenticatedRequest, reply: FastifyReplyLike) {
    const token = bearerTokenOf(request.headers.authorization);
    const result = token === null ? null : await verifier.verify(token);
    if (result?.ok) {
      request.auth = result.claims;
      return;
    }
    const refusal = refusalOf(result ? result.reason : 'missing');
    // Fastify: an async hook that has sent the reply returns it, and the route does not run.
    return reply
      .code(refusal.status)
      .header('www-authenticate', refusal.challenge)
      .header('cache-control', 'no-store')
      .send(refusal.body);
  };
}
