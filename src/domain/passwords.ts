// Passwords: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane).
// @node-rs/argon2 ships prebuilt N-API binaries in its npm package (no compile, no download)
// and measured 3.6× faster than node:crypto's argon2 on these machines.
import { type Algorithm, hash, verify } from '@node-rs/argon2';

// The package exports Algorithm as an ambient const enum, which erasable TypeScript cannot
// read at run time; 2 is its Argon2id member.
const ARGON2ID = 2 as Algorithm;

const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

// Verified against when the account does not exist, so that "no such user" and "wrong
// password" take the same time and cannot be told apart.
let decoy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    decoy ??= hashPassword('decoy password, never matches');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

/**
 * What every password a person chooses must be (user creation, sign-up, a change or a reset),
 * counted in characters as the API's JSON schema counts them (code points). No composition
 * rules: length is what makes a password hard to guess (NIST SP 800-63B §5.1.1.2).
 */
export const PASSWORD_LENGTH = { min: 8, max: 256 } as const;

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_LENGTH.min) return `must be at least ${PASSWORD_LENGTH.min} characters`;
  if (length > PASSWORD_LENGTH.max) return `must be at most ${PASSWORD_LENGTH.max} characters`;
  return null;
}
