// The token verifier for apps' own APIs (CONTRACT §9, DESIGN principle 7): Signoff access
// tokens (RFC 9068 `at+jwt`, from the REST sign-in or OIDC) checked locally — signature against
// the issuer's JWK Set, issuer, audience, type, expiry — and then against a revocation index in
// memory that the app's Shared Signals stream keeps current, so a token whose session ended
// anywhere is refused within the long poll's round trip, and after the API's own restart.
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { defaultFetch, type FetchLike, SignoffError, SignoffErrorCode } from './http.ts';
import { discoverIssuer } from './issuer-discovery.ts';
import { ForeignIssuer, type KeySet, KeySetUnavailable, loadKeySet } from './key-set.ts';
import { type RevocationFeed, startRevocationFeed } from './revocation-feed.ts';
import { createRevocationIndex } from './revocation-index.ts';

/**
 * Options of {@link createTokenVerifier}.
 *
 * @example
 * ```ts
 * const options: TokenVerifierOptions = {
 *   issuer: 'https://id.example.com/oidc', // the pool's issuer: /oidc, or /oidc/pools/{poolId}
 *   clientId: process.env.SIGNOFF_APP_ID!,
 *   clientSecret: process.env.SIGNOFF_APP_SECRET!,
 *   maxStaleness: 60,
 *   onStale: 'refuse',
 * };
 * ```
 */
export interface TokenVerifierOptions {
  /** The pool's OIDC issuer, exactly as its discovery document names it (no trailing slash). */
  issuer: string;
  /** The app's id (its OIDC client_id). The stream is this app's; tokens must be issued to it. */
  clientId: string;
  /** The app's secret: the verifier gets client-credentials tokens (scope `ssf`) with it. */
  clientSecret: string;
  /** Accepted `aud` values. Default: `clientId`. */
  audience?: string | string[];
  /** Seconds of leeway for `exp` (and `nbf`) against this machine's clock. Default 5. */
  clockTolerance?: number;
  /**
   * Seconds the revocation feed may go unanswered before the verifier stops trusting its index
   * ("stale"). Counted from its last answer, once a request to it has failed. Default 60.
   */
  maxStaleness?: number;
  /**
   * What `verify` does with an otherwise valid token while the feed is stale: `refuse` (default)
   * answers `{ ok: false, reason: 'stale' }`; `accept` answers `{ ok: true, claims, stale: true }`.
   */
  onStale?: 'refuse' | 'accept';
  /**
   * Names this verifier's stream among the app's (SSF 1.0 §8.1.1 description), so that a
   * restart polls the same stream. Give each process of a scaled-out API its own: a polled SET
   * goes to one poller only. Default `signoff-token-verifier`.
   */
  streamDescription?: string;
  /** Replaces the platform `fetch` (every request the verifier makes goes through it). */
  fetch?: FetchLike;
  /** Called with each failure of the feed (the loop goes on, backing off); for logging. */
  onFeedError?: (error: Error) => void;
}

/**
 * The claims of a Signoff access token (RFC 9068 §2.2, plus Signoff's `sid`, `asid`, `pool`).
 * Times are seconds since the epoch.
 *
 * @example
 * ```ts
 * const result = await verifier.verify(token);
 * if (result.ok) {
 *   const { sub, sid, scope }: AccessTokenClaims = result.claims;
 *   console.log(`user ${sub}, session ${sid}, scope ${scope ?? '(REST sign-in)'}`);
 * }
 * ```
 */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  /** The user's id. */
  sub: string;
  /** The app the token was issued to. */
  aud: string | string[];
  /** The Signoff session (SSO) the token belongs to. */
  sid: string;
  /** The app session (the part of the session in this app). */
  asid?: string;
  client_id?: string;
  pool?: string;
  jti?: string;
  iat: number;
  exp: number;
  /** Space-separated scopes of an OIDC token; absent on the REST sign-in's. */
  scope?: string;
}

/**
 * Why a token was refused:
 *
 * - `malformed`: not a compact JWS/JWT;
 * - `bad_signature`: the signature does not verify, or its `alg` is not RS256;
 * - `unknown_key`: its `kid` is in none of the issuer's keys, even after fetching them again;
 * - `wrong_issuer`, `wrong_audience`: `iss` is not the issuer, `aud` not the app;
 * - `wrong_type`: not an access token of a user's session (header `typ` not `at+jwt`, or no
 *   `sub`, `sid` or `iat`, as in an app's own client-credentials token);
 * - `expired`; `not_yet_valid` (`nbf` in the future);
 * - `revoked`: its session ended, or all of its user's sessions in this app (a logout, an
 *   administrator, a kick, a deletion);
 * - `stale`: the token looks valid, but the revocation feed has been down longer than
 *   `maxStaleness`, so whether it was revoked is not known (`onStale: 'refuse'`);
 * - `closed`: {@link TokenVerifier.close} was called.
 *
 * @example
 * ```ts
 * const result = await verifier.verify(token);
 * if (!result.ok && result.reason === 'revoked') console.info('signed out elsewhere');
 * ```
 */
export type TokenRefusalReason =
  | 'malformed'
  | 'bad_signature'
  | 'unknown_key'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'stale'
  | 'closed';

/**
 * What {@link TokenVerifier.verify} resolves to: never a rejection for a bad token.
 * `stale: true` marks a token accepted while the feed was stale (`onStale: 'accept'`).
 *
 * @example
 * ```ts
 * const result: TokenVerification = await verifier.verify(token);
 * if (result.ok) console.log(result.claims.sub);
 * else console.log(result.reason); // 'revoked', 'expired', …
 * ```
 */
export type TokenVerification =
  | { ok: true; claims: AccessTokenClaims; stale?: true }
  | { ok: false; reason: TokenRefusalReason };

/**
 * The verifier's view of its revocation feed.
 *
 * - `state`: `live` (the last request to Signoff succeeded), `reconnecting` (it failed; the
 *   index is still trusted), `stale` (failing for longer than `maxStaleness`), `closed`;
 * - `lastAnswerAt`: when Signoff last answered (ms since the epoch);
 * - `revokedSessions` / `revokedUsers`: entries in the index;
 * - `lastError`: the last failure's message, if any.
 *
 * @example
 * ```ts
 * // A readiness probe: not ready while tokens cannot be checked for revocation.
 * const ready = verifier.status().state !== 'stale';
 * ```
 */
export interface TokenVerifierStatus {
  state: 'live' | 'reconnecting' | 'stale' | 'closed';
  lastAnswerAt: number;
  streamId: string | null;
  revokedSessions: number;
  revokedUsers: number;
  lastError: string | null;
}

/**
 * A running verifier: see {@link createTokenVerifier}.
 *
 * @example
 * ```ts
 * const result = await verifier.verify(token);
 * console.log(verifier.status().state); // 'live'
 * await verifier.close();
 * ```
 */
export interface TokenVerifier {
  /** Checks a token (the compact JWT, without `Bearer `). Resolves, never rejects, for a bad token. */
  verify(token: string): Promise<TokenVerification>;
  status(): TokenVerifierStatus;
  /** Stops the feed: the long poll is aborted, no request follows; `verify` then answers `closed`. */
  close(): Promise<void>;
}

const MAX_TOKEN_LENGTH = 16_384;
const ACCESS_TOKEN_TYPE = 'at+jwt';

/** jose's error for a token, as a refusal reason (faults of the verifier itself are rethrown). */
function reasonOf(error: unknown): TokenRefusalReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'wrong_issuer';
      case 'aud':
        return 'wrong_audience';
      case 'nbf':
        return 'not_yet_valid';
      default:
        // typ (RFC 9068 §4: at+jwt), or iat not a number.
        return 'wrong_type';
    }
  }
  if (error instanceof ForeignIssuer) return 'wrong_issuer';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof KeySetUnavailable) return 'unknown_key';
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return 'bad_signature';
  }
  if (error instanceof errors.JOSEError) return 'malformed';
  throw error;
}

/**
 * Starts a verifier of Signoff access tokens for one app's API: it discovers the issuer, loads
 * its keys, creates (or finds again) the app's Shared Signals poll stream, loads the sessions
 * that ended within a token lifetime, and resolves; from then on a background long poll keeps
 * its revocation index current. Rejects with a {@link SignoffError} when Signoff cannot be
 * reached or refuses the app (wrong secret, a public app, Shared Signals turned off for it).
 *
 * `verify` checks, in this order: the form, the signature (RS256, a key of the issuer's JWK
 * Set — fetched again for a `kid` it does not hold, so a key rotation needs no restart), `typ`
 * `at+jwt` (RFC 9068 §4), `iss`, `aud`, `exp` with `clockTolerance`, the claims of a user's
 * session token, then the revocation index, then the feed's staleness.
 *
 * The feed: while requests to Signoff fail, the loop retries with backoff (250 ms doubling to
 * 30 s) and the index stays trusted for `maxStaleness` seconds from Signoff's last answer;
 * after that `verify` answers `stale` (or accepts, with `onStale: 'accept'`). When Signoff
 * answers again, the start-up revocations are loaded again before polling resumes.
 *
 * @example
 * ```ts
 * import { createTokenVerifier } from '@signoff/sdk';
 *
 * const verifier = await createTokenVerifier({
 *   issuer: 'https://id.example.com/oidc',
 *   clientId: process.env.SIGNOFF_APP_ID!,
 *   clientSecret: process.env.SIGNOFF_APP_SECRET!,
 * });
 * const result = await verifier.verify(token);
 * if (result.ok) console.log('user', result.claims.sub);
 * else console.log('refused:', result.reason); // e.g. 'revoked' right after a logout
 * await verifier.close(); // on shutdown
 * ```
 */
export async function createTokenVerifier(options: TokenVerifierOptions): Promise<TokenVerifier> {
  for (const name of ['issuer', 'clientId', 'clientSecret'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') {
      throw new TypeError(`createTokenVerifier: \`${name}\` is required`);
    }
  }
  const issuer = options.issuer;
  const fetch = options.fetch ?? defaultFetch();
  const audience = options.audience ?? options.clientId;
  const clockTolerance = options.clockTolerance ?? 5;
  const maxStalenessMs = (options.maxStaleness ?? 60) * 1000;
  const acceptStale = options.onStale === 'accept';

  let feed: RevocationFeed;
  let resolveKey: KeySet['resolve'];
  const index = createRevocationIndex();
  try {
    const metadata = await discoverIssuer(issuer, fetch);
    const keys = await loadKeySet({ jwksUri: metadata.jwksUri, issuer, fetch });
    feed = await startRevocationFeed({
      metadata,
      keys,
      index,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      fetch,
      streamDescription: options.streamDescription ?? 'signoff-token-verifier',
      clockTolerance,
      onError: options.onFeedError,
    });
    resolveKey = keys.resolve;
  } catch (cause) {
    if (cause instanceof SignoffError) {
      throw new SignoffError(cause.status, cause.code, `createTokenVerifier: ${cause.message}`, { cause });
    }
    throw new SignoffError(0, SignoffErrorCode.UNKNOWN, `createTokenVerifier: ${String(cause)}`, { cause });
  }
  const { health } = feed;
  const verifyOptions = {
    issuer,
    audience,
    typ: ACCESS_TOKEN_TYPE,
    algorithms: ['RS256'],
    clockTolerance,
  };

  const isStale = () => !health.up && Date.now() - health.lastAnswerAt > maxStalenessMs;

  return {
    async verify(token) {
      if (health.closed) return { ok: false, reason: 'closed' };
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        return { ok: false, reason: 'malformed' };
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, verifyOptions));
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
      // What every access token of a user's session has (jose checks exp only when present).
      const { sub, sid, iat, exp } = payload;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        typeof iat !== 'number' ||
        exp === undefined
      ) {
        return { ok: false, reason: 'wrong_type' };
      }
      const claims = payload as AccessTokenClaims;
      if (index.isRevoked(claims)) return { ok: false, reason: 'revoked' };
      if (isStale()) return acceptStale ? { ok: true, claims, stale: true } : { ok: false, reason: 'stale' };
      return { ok: true, claims };
    },

    status() {
      return {
        state: health.closed ? 'closed' : isStale() ? 'stale' : health.up ? 'live' : 'reconnecting',
        lastAnswerAt: health.lastAnswerAt,
        streamId: health.streamId,
        revokedSessions: index.sessions,
        revokedUsers: index.users,
        lastError: health.lastError?.message ?? null,
      };
    },

    close: () => feed.close(),
  };
}
