// Synchronous verification of our own RS256 JWTs, written here on purpose: jose's verify is
// asynchronous (WebCrypto) and measured ~5× slower one-at-a-time than node:crypto's
// synchronous verify (shared/NOTES.md, bench/README.md). This path only accepts what
// Signoff itself signs — compact JWS, alg RS256, a kid we hold — so it stays small.
// `signRS256` is the one signer here, for what a mass logout signs by the ten thousand: logout
// tokens (bench/README.md (d)) and Security Event Tokens; everything else JOSE goes through jose.
import { type KeyObject, sign as signData, verify as verifySignature } from 'node:crypto';
import type { KeyRing, LoadedKey } from './key-ring.ts';

export interface JWTHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

export type VerifiedJWT =
  | { ok: true; header: JWTHeader; payload: JWTPayload; key: LoadedKey }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' };

function decodeJSON(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const MAX_TOKEN_LENGTH = 8192;

/** Verifies signature and expiry (`nowSeconds` against `exp`). Claims beyond `exp` are the caller's. */
export function verifyJWT(token: string, keys: KeyRing, nowSeconds: number): VerifiedJWT {
  const verified = verifySignatureOnly(token, keys);
  if (!verified.ok) return verified;
  const { exp } = verified.payload;
  if (typeof exp !== 'number' || exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return verified;
}

type SignatureResult = Extract<VerifiedJWT, { ok: true }> | Extract<VerifiedJWT, { ok: false }>;

/**
 * A verifier that remembers tokens whose signature it has checked, keyed by the exact token
 * string: an app calls with the same token many times, and a byte-identical token has the
 * same valid signature. Expiry, the key still being in the ring, and (in the caller) the
 * revocation index are checked on every call; only the RSA operation is skipped.
 */
export function createJWTVerifier(keys: KeyRing, options: { cacheSize: number }) {
  const cache = new Map<string, Extract<VerifiedJWT, { ok: true }>>();
  return function verify(token: string, nowSeconds: number): VerifiedJWT {
    let verified = cache.get(token);
    if (verified && keys.get(verified.key.kid) !== verified.key) {
      cache.delete(token);
      verified = undefined;
    }
    if (!verified) {
      const checked = verifySignatureOnly(token, keys);
      if (!checked.ok) return checked;
      verified = checked;
      if (options.cacheSize > 0) {
        // Oldest first out: Map iterates in insertion order.
        if (cache.size >= options.cacheSize) cache.delete(cache.keys().next().value!);
        cache.set(token, verified);
      }
    }
    const { exp } = verified.payload;
    if (typeof exp !== 'number' || exp <= nowSeconds) {
      cache.delete(token);
      return { ok: false, reason: 'expired' };
    }
    return verified;
  };
}

function verifySignatureOnly(token: string, keys: KeyRing): SignatureResult {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  if (firstDot < 1 || secondDot < 0 || token.indexOf('.', secondDot + 1) !== -1) {
    return { ok: false, reason: 'malformed' };
  }
  const header = decodeJSON(token.slice(0, firstDot)) as JWTHeader | null;
  if (header?.alg !== 'RS256' || typeof header.kid !== 'string') return { ok: false, reason: 'malformed' };
  const key = keys.get(header.kid);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const valid = verifySignature(
    'sha256',
    Buffer.from(token.slice(0, secondDot)),
    key.publicKey,
    Buffer.from(token.slice(secondDot + 1), 'base64url'),
  );
  if (!valid) return { ok: false, reason: 'bad_signature' };
  const payload = decodeJSON(token.slice(firstDot + 1, secondDot)) as JWTPayload | null;
  if (!payload) return { ok: false, reason: 'malformed' };
  return { ok: true, header, payload, key };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS (RFC 7515 §7.1), RS256, of this header and payload as given (the header names
 * `alg: 'RS256'` itself). The RSA operation runs on libuv's thread pool (node:crypto.sign
 * with a callback): the main thread only serializes, and signatures use every core. jose's
 * SignJWT also signs off the main thread (WebCrypto), but its JavaScript around the job took
 * several times the main thread's time a token (bench/README.md (d)).
 */
export function signRS256(
  header: { alg: 'RS256'; kid: string; typ?: string },
  payload: JWTPayload,
  privateKey: KeyObject,
): Promise<string> {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return new Promise((resolve, reject) => {
    signData('sha256', Buffer.from(input), privateKey, (error, signature) => {
      if (error) reject(error);
      else resolve(`${input}.${signature.toString('base64url')}`);
    });
  });
}
