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
