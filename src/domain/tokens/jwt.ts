// Synchronous verification of our own RS256 JWTs, written here on purpose: jose's verify is
// asynchronous (WebCrypto) and measured ~5× slower one-at-a-time than node:crypto's
// synchronous verify (shared/NOTES.md, bench/README.md). This path only accepts what
// Signoff itself signs — compact JWS, alg RS256, a kid we hold — so it stays small.
// Signing, and everything else JOSE, goes through jose.
import { verify as verifySignature } from 'node:crypto';
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
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  if (firstDot < 1 || secondDot < 0 || token.indexOf('.', secondDot + 1) !== -1) {
    return { ok: false, reason: 'malformed' };
  }
  const header = decodeJSON(token.slice(0, firstDot)) as JWTHeader | null;
  if (!header || header.alg !== 'RS256' || typeof header.kid !== 'string')
    return { ok: false, reason: 'malformed' };
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
  if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, header, payload, key };
}
