// The Store implemented once in SQL that SQLite and PostgreSQL both run, composed of one part
// per noun (each file beside this one holds its noun's queries and row mapping).
import type { SqlDriver } from '../sql-driver.ts';
import type { Store } from '../store.ts';
import { createAdminStore, createConsoleSessionStore } from './admins.ts';
import { createAppStore } from './apps.ts';
import { createAuditStore } from './audit.ts';
import { createBulkLogoutStore } from './bulk-logouts.ts';
import { createDeliveryStore } from './deliveries.ts';
import { createKeyStore } from './keys.ts';
import { createNoticeStore } from './notices.ts';
import { createOIDCStore } from './oidc.ts';
import { createPoolStore } from './pools.ts';
import { createPushedSetStore } from './pushed-sets.ts';
import { createSessionStore } from './sessions.ts';
import { createSSFStore } from './ssf.ts';
import { createUserStore } from './users.ts';

export function createSqlStore(db: SqlDriver): Store {
  return {
    kind: db.kind,
    migrate: () => db.migrate(),
    ping: async () => {
      await db.query('SELECT 1');
    },
    optimize: () => db.optimize(),
    close: () => db.close(),
    pools: createPoolStore(db),
    admins: createAdminStore(db),
    consoleSessions: createConsoleSessionStore(db),
    apps: createAppStore(db),
    users: createUserStore(db),
    keys: createKeyStore(db),
    sessions: createSessionStore(db),
    deliveries: createDeliveryStore(db),
    oidc: createOIDCStore(db),
    pushedSets: createPushedSetStore(db),
    ssf: createSSFStore(db),
    bulkLogouts: createBulkLogoutStore(db),
    notices: createNoticeStore(db),
    audit: createAuditStore(db),
  };
}
