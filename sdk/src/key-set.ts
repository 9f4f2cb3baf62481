// The issuer's signing keys for the token verifier: its JWK Set (RFC 7517 §5), fetched from the
// `jwks_uri` of discovery, kept as WebCrypto keys by `kid`, and fetched again when a token names
// a `kid` it does not hold — Signoff signs with a new key the moment a pool's key is rotated
// (`signoff keys rotate`), so a verifier must learn it then, not at its next restart.
//
// Unlike jose's createRemoteJWKSet, whose 30 s cooldown starts with every fetch, the cooldown
// here starts only after a fetch for an unknown `kid` found nothing new: a rotation seconds
// after start-up is picked up at once, while tokens with made-up `kid`s cost the issuer at
// most one fetch per cooldown. SETs, which the issuer itself sent, bypass the cooldown
// (`resolveFresh`), so such tokens cannot make the verifier refuse the issuer's own events.
import { base64url, errors, importJWK, type JWK, type JWSHeaderParameters } from 'jose';
import type { FetchLike } from './http.ts';

/** After a fetch for an unknown `kid` that found nothing new, the next such fetch waits this long. */
const UNKNOWN_KID_COOLDOWN_MS = 5000;
/** Keys are fetched again in the background when older than this (a removed key goes away). */
const MAX_AGE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 10_000;

/**
 * Thrown by {@link KeySet.resolve} when a token's `iss` is not the issuer: its `kid` is then
 * none of the issuer's business, and no fetch is made for it.
 *
 * @example
 * ```ts
 * try {
 *   await jwtVerify(token, keys.resolve, { issuer });
 * } catch (error) {
 *   if (error instanceof ForeignIssuer) return 'wrong_issuer';
 * }
 * ```
 */
export class ForeignIssuer extends Error {
  override name = 'ForeignIssuer';
}

/**
 * Thrown by {@link KeySet.resolve} when the `kid` is unknown and the JWK Set could not be
 * fetched to look for it: a fault of the network, not of the token.
 *
 * @example
 * ```ts
 * try {
 *   await jwtVerify(set, keys.resolve, { issuer });
 * } catch (error) {
 *   if (error instanceof KeySetUnavailable) retryLater();
 * }
 * ```
 */
export class KeySetUnavailable extends Error {
  override name = 'KeySetUnavailable';
}

/**
 * An issuer's verification keys, as jose's `jwtVerify` takes them (a key function).
 *
 * @example
 * ```ts
 * const keys = await loadKeySet({ jwksUri, issuer, fetch: defaultFetch() });
 * const { payload } = await jwtVerify(token, keys.resolve, { issuer, algorithms: ['RS256'] });
 * ```
 */
export interface KeySet {
  /** The key for a JWS header; fetches the JWK Set again for an unknown `kid` (see above). */
  resolve(
    header: JWSHeaderParameters,
    token: { payload: string | Uint8Array },
  ): CryptoKey | Promise<CryptoKey>;
  /**
   * The same without the cooldown, for what the issuer itself sent (SETs on the stream): an
   * unknown `kid` there is a rotation, and a flood of made-up `kid`s in tokens must not make
   * the verifier refuse the issuer's own events.
   */
  resolveFresh(
    header: JWSHeaderParameters,
    token: { payload: string | Uint8Array },
  ): CryptoKey | Promise<CryptoKey>;
  /** The `kid`s held now. */
  kids(): string[];
}

/**
 * Fetches the JWK Set once (resolving when its RS256 keys are imported) and returns the
 * {@link KeySet} over it.
 *
 * @example
 * ```ts
 * const keys = await loadKeySet({
 *   jwksUri: 'https://id.example.com/oidc/jwks',
 *   issuer: 'https://id.example.com/oidc',
 *   fetch: defaultFetch(),
 * });
 * console.log(keys.kids());
 * ```
 */
export async function loadKeySet(options: {
  jwksUri: string;
  issuer: string;
  fetch: FetchLike;
}): Promise<KeySet> {
  const { jwksUri, issuer } = options;
  let keys = new Map<string, CryptoKey>();
  let fetchedAt = 0;
  let fruitlessAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<boolean> | null = null;

  /** Fetches and imports the set; true when it holds a `kid` not held before. */
  async function load(): Promise<boolean> {
    const response = await options.fetch(jwksUri, {
      method: 'GET',
      headers: { accept: 'application/jwk-set+json, application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`JWK Set ${jwksUri}: HTTP ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error(`JWK Set ${jwksUri}: no "keys" array`);
    const next = new Map<string, CryptoKey>();
    for (const jwk of body.keys as JWK[]) {
      // Signoff signs with RS256 (RFC 7518 §3.3); a key for encryption or another algorithm is not ours to use.
      if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig'))
        continue;
      if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue;
      const known = keys.get(jwk.kid);
      next.set(jwk.kid, known ?? ((await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey));
    }
    const added = [...next.keys()].some((kid) => !keys.has(kid));
    keys = next;
    fetchedAt = Date.now();
    return added;
  }

  /** One fetch at a time: concurrent callers share it. */
  function refresh(): Promise<boolean> {
    inFlight ??= load().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  function issuerOf(payload: string | Uint8Array): unknown {
    try {
      const bytes = typeof payload === 'string' ? base64url.decode(payload) : payload;
      return (JSON.parse(new TextDecoder().decode(bytes)) as { iss?: unknown } | null)?.iss;
    } catch {
      return undefined;
    }
  }

  function lookup(kid: string | undefined): CryptoKey | undefined {
    if (kid !== undefined) return keys.get(kid);
    // RFC 7515 §4.1.4: kid is optional; without it, only a set of one key is unambiguous.
    return keys.size === 1 ? keys.values().next().value : undefined;
  }

  async function unknownKid(
    header: JWSHeaderParameters,
    payload: string | Uint8Array,
    cooldown: boolean,
  ): Promise<CryptoKey> {
    // Another issuer's token (another pool, another server): its kid is not ours to look for.
    if (issuerOf(payload) !== issuer) throw new ForeignIssuer('the token is not from this issuer');
    if (cooldown && Date.now() - fruitlessAt < UNKNOWN_KID_COOLDOWN_MS && !inFlight) {
      throw new errors.JWKSNoMatchingKey();
    }
    let added: boolean;
    try {
      added = await refresh();
    } catch (cause) {
      throw new KeySetUnavailable(`the JWK Set could not be fetched: ${String(cause)}`, { cause });
    }
    const key = lookup(header.kid);
    if (key) return key;
    if (!added) fruitlessAt = Date.now();
    throw new errors.JWKSNoMatchingKey();
  }

  await refresh();

  return {
    resolve(header, token) {
      const key = lookup(header.kid);
      if (!key) return unknownKid(header, token.payload, true);
      if (Date.now() - fetchedAt > MAX_AGE_MS && !inFlight) refresh().catch(() => {});
      return key;
    },
    resolveFresh(header, token) {
      return lookup(header.kid) ?? unknownKid(header, token.payload, false);
    },
    kids: () => [...keys.keys()],
  };
}
