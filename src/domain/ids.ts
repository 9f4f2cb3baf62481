import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A 24-character hex id: the shape of Authing's ids, which its clients expect. */
export const newId = (): string => randomBytes(12).toString('hex');

/** A high-entropy secret (256 bits) for cookies, app and pool secrets. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Secrets we generate carry 256 bits of entropy, so a fast hash is enough to store them
 * (argon2 is for low-entropy passwords); SHA-256 also makes a hash lookup possible.
 */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
