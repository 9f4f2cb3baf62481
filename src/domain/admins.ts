// Console administrators (CONTRACT §1 SIGNOFF_ADMIN_EMAIL / SIGNOFF_ADMIN_PASSWORD) and their
// console sign-ins. A console session is an opaque random secret in the browser's cookie whose
// SHA-256 the store keeps: it survives restarts, works on every node, and a leaked database
// row cannot be replayed as a cookie.
import type { Store } from '../store/store.ts';
import { addressKey, type Throttle } from './auth/throttle.ts';
import type { Clock } from './clock.ts';
import { hashSecret, newId, newSecret } from './ids.ts';
import type { Admin } from './model.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/** A console sign-in lasts a working day; then the password is asked again. */
export const CONSOLE_SESSION_TTL_MS = 8 * 3600_000;

/**
 * The console's throttle rules (issue 10 finding 9): failures count per (email, address) — the
 * console's address is well known and so is a default email like admin@signoff.local, and a
 * per-email lock would let anyone keep the administrator out — with lockouts that double while
 * one address keeps guessing; and per address, against one address trying many emails. The
 * console's throttle is its own (services.ts): end users' sign-ins never count here.
 */
export type ConsoleRule = 'accountAtAddress' | 'address';

export type ConsoleSignIn =
  | { ok: true; admin: Admin; secret: string; expiresAt: number }
  | { ok: false; reason: 'credentials' }
  | { ok: false; reason: 'throttled'; retryAt: number };

export function createAdminService(deps: { store: Store; clock: Clock; throttle: Throttle<ConsoleRule> }) {
  const { store, clock, throttle } = deps;

  async function verify(email: string, password: string) {
    const admin = await store.admins.findByEmail(email.toLowerCase());
    const valid = await verifyPassword(admin?.passwordHash ?? null, password);
    return admin && valid ? admin : null;
  }

  return {
    count: () => store.admins.count(),
    async create(email: string, password: string) {
      const admin = {
        id: newId(),
        email: email.toLowerCase(),
        passwordHash: await hashPassword(password),
        createdAt: clock.now(),
      };
      const created = await store.admins.create(admin);
      return created.ok ? admin : null;
    },
    verify,

    /**
     * Signs an administrator in to the console: throttled per (email, client address) and per
     * address (a throttled attempt does not check the password), then a new session.
     */
    async signIn(email: string, password: string, ip: string | null): Promise<ConsoleSignIn> {
      const address = addressKey(ip);
      const attempt = await throttle.begin({
        accountAtAddress: `${encodeURIComponent(email.toLowerCase())}:${address ?? '-'}`,
        address,
      });
      if (!attempt.ok) return { ok: false, reason: 'throttled', retryAt: attempt.retryAt };
      const admin = await verify(email, password);
      if (!admin) {
        await attempt.failed();
        return { ok: false, reason: 'credentials' };
      }
      await attempt.succeeded();
      const secret = newSecret();
      const now = clock.now();
      const expiresAt = now + CONSOLE_SESSION_TTL_MS;
      await store.consoleSessions.create({
        secretHash: hashSecret(secret),
        adminId: admin.id,
        createdAt: now,
        expiresAt,
      });
      return { ok: true, admin, secret, expiresAt };
    },

    /** The administrator a console cookie belongs to, or null (unknown, expired, signed out). */
    consoleSession: (secret: string): Promise<Admin | null> =>
      store.consoleSessions.find(hashSecret(secret), clock.now()),

    endConsoleSession: (secret: string) => store.consoleSessions.delete(hashSecret(secret)),

    purgeExpiredConsoleSessions: () => store.consoleSessions.purgeExpired(clock.now()),
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
