// Console administrators (CONTRACT §1 SIGNOFF_ADMIN_EMAIL / SIGNOFF_ADMIN_PASSWORD).
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { newId } from './ids.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export function createAdminService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
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
    async verify(email: string, password: string) {
      const admin = await store.admins.findByEmail(email.toLowerCase());
      const valid = await verifyPassword(admin?.passwordHash ?? null, password);
      return admin && valid ? admin : null;
    },
  };
}
