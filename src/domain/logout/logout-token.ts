// Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4), signed with the pool's current
// key — the key whose public half the pool's JWKS serves, so an app verifies them exactly
// like the pool's other tokens. A fresh token (new jti, iat, exp) is signed for every attempt:
// a token from a first attempt would have expired by a retry minutes later.
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import { signRS256 } from '../tokens/jwt.ts';
import type { KeyRing } from '../tokens/key-ring.ts';

/** §2.4 "events": the member that says this is a logout token, with an empty object. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** §2.4 recommends explicit typing (RFC 8725 §3.11): apps can refuse any other JWT here. */
export const LOGOUT_TOKEN_TYPE = 'logout+jwt';
/** §2.4 suggests a lifetime of at most two minutes. */
export const LOGOUT_TOKEN_TTL = 120;

export interface LogoutTokenInput {
  poolId: string;
  appId: string;
  userId: string;
  /** The Signoff session id: the `sid` its access tokens (and ID tokens) carry. */
  sessionId: string;
}

export function createLogoutTokenSigner(deps: {
  keys: KeyRing;
  clock: Clock;
  issuerOf: (poolId: string) => string;
}) {
  const { keys, clock, issuerOf } = deps;
  return async function signLogoutToken(input: LogoutTokenInput): Promise<string> {
    const key = keys.signingKey(input.poolId);
    if (!key) throw new Error(`pool ${input.poolId} has no signing key`);
    const iat = Math.floor(clock.now() / 1000);
    // §2.4: sub and sid both (an app may key its sessions by either); never a nonce, so that a
    // logout token can't be passed off as an ID token. Signed without jose (see signRS256),
    // claims in the order jose's SignJWT wrote them.
    return signRS256(
      { alg: 'RS256', kid: key.kid, typ: LOGOUT_TOKEN_TYPE },
      {
        sid: input.sessionId,
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        iss: issuerOf(input.poolId),
        sub: input.userId,
        aud: input.appId,
        iat,
        exp: iat + LOGOUT_TOKEN_TTL,
        jti: newId(),
      },
      key.privateKey,
    );
  };
}

export type LogoutTokenSigner = ReturnType<typeof createLogoutTokenSigner>;
