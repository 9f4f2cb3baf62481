// Console administrators (CONTRACT §1 SIGNOFF_ADMIN_EMAIL / SIGNOFF_ADMIN_PASSWORD) and their
// console sign-ins. A console session is an opaque random secret in the browser's cookie whose
// SHA-256 the store keeps: it survives restarts, works on every node, and a leaked database
// row cannot be replayed as a cookie.
import type { Store } from '../store/store.ts';
import type { LoginThrottle } from './auth/login-throttle.ts';
import type { Clock } from './clock.ts';
import { hashSecret, newId, newSecret } from './ids.ts';
import type { Admin } from './model.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/** A console sign-in lasts a working day; then the password is asked again. */
export const CONSOLE_SESSION_TTL_MS = 8 * 3600_000;

// Console failures are counted apart from every pool's end users: an administrator's email is
// not an account of any pool.
const CONSOLE_THROTTLE_SCOPE = '\u0000console';

export type ConsoleSignIn =
  | { ok: true; admin: Admin; secret: string; expiresAt: number }
  | { ok: false; reason: 'credentials' }
  | { ok: false; reason: 'throttled'; retryAt: number };

export function createAdminService(deps: { store: Store; clock: Clock; throttle: LoginThrottle }) {
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
     * Signs an administrator in to the console: throttled per email and per client address like
     * the hosted login (a throttled attempt does not check the password), then a new session.
     */
    async signIn(email: string, password: string, ip: string | null): Promise<ConsoleSignIn> {
      const attempt = { poolId: CONSOLE_THROTTLE_SCOPE, account: email.toLowerCase(), ip };
      const blocked = throttle.check(attempt);
      if (blocked) return { ok: false, reason: 'throttled', retryAt: blocked.retryAt };
      const admin = await verify(email, password);
      if (!admin) {
        throttle.recordFailure(attempt);
        return { ok: false, reason: 'credentials' };
      }
      throttle.recordSuccess(attempt);
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
