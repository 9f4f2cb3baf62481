// Who is calling a Shared Signals endpoint: a receiver, which is an app holding a
// client-credentials token (SSF 1.0 §7.1.1 authorization_schemes urn:ietf:rfc:6749) with scope
// ssf, issued by this pool's issuer and not revoked. Refusals follow RFC 6750 §3.1: no or a bad
// token is 401 invalid_token, a token without the scope 403 insufficient_scope.
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../domain/services.ts';
import type { Receiver } from '../../domain/ssf/streams.ts';

export type ReceiverCheck =
  | { ok: true; receiver: Receiver }
  | { ok: false; status: 401 | 403; err: 'invalid_token' | 'insufficient_scope'; description: string };

const invalid = (description: string): ReceiverCheck => ({
  ok: false,
  status: 401,
  err: 'invalid_token',
  description,
});

export async function receiverOf(
  services: Services,
  request: FastifyRequest,
  poolId: string,
): Promise<ReceiverCheck> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match)
    return invalid('A client-credentials access token is required (Authorization: Bearer <token>).');
  const checked = services.tokens.verifyClientToken(match[1]!);
  if (!checked.ok) return invalid('The access token is not valid.');
  const { claims } = checked;
  // Another pool's token names an app this transmitter does not know.
  if (claims.poolId !== poolId) return invalid('The access token is not valid.');
  // The token's handle is gone once it was revoked (RFC 7009) or its grant ended.
  const handle = await services.store.oidc.find(
    poolId,
    'ClientCredentials',
    claims.jti,
    services.clock.now(),
  );
  if (!handle) return invalid('The access token has been revoked or has expired.');
  if (!claims.scopes.includes('ssf')) {
    return {
      ok: false,
      status: 403,
      err: 'insufficient_scope',
      description: 'The access token needs the scope ssf.',
    };
  }
  const app = await services.apps.get(poolId, claims.clientId);
  if (!app?.ssfEnabled) {
    return {
      ok: false,
      status: 403,
      err: 'insufficient_scope',
      description: 'This app may not receive Shared Signals.',
    };
  }
  return { ok: true, receiver: { poolId, appId: app.id } };
}
