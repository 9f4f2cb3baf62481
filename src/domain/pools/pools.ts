// User pools (tenants), their signing keys and their administrator tokens.
import type { Bus } from '../../bus/bus.ts';
import type { PoolPatch, Store } from '../../store/store.ts';
import { addressKey, type Throttle } from '../auth/throttle.ts';
import type { Clock } from '../clock.ts';
import { hashSecret, newId, newSecret, secretMatches } from '../ids.ts';
import type { Pool } from '../model.ts';
import { generateSigningKey, type KeyRing } from '../tokens/key-ring.ts';
import type { TokenService } from '../tokens/tokens.ts';

export interface PoolServiceDeps {
  store: Store;
  keys: KeyRing;
  tokens: TokenService;
  bus: Bus;
  clock: Clock;
  /** How long a retired key keeps verifying: the longest token lifetime, ms. */
  keyRetentionMs: number;
  /** Slows guessing of pool secrets: per pool id and per client address. */
  throttle?: Throttle<PoolTokenRule>;
}

export type PoolTokenRule = 'pool' | 'address';

export function createPoolService(deps: PoolServiceDeps) {
  const { store, keys, tokens, bus, clock } = deps;

  async function reloadKeys() {
    keys.replace(await store.keys.listUsable(clock.now() - deps.keyRetentionMs));
  }

  return {
    reloadKeys,

    /** Creates a pool with its first signing key. The secret is returned once; only its hash is kept. */
    async create(input: { id?: string; name: string; secret?: string; signUpEnabled?: boolean }) {
      const secret = input.secret ?? newSecret();
      const now = clock.now();
      const pool: Pool = {
        id: input.id ?? newId(),
        name: input.name,
        secretHash: hashSecret(secret),
        signUpEnabled: input.signUpEnabled ?? false,
        createdAt: now,
      };
      const created = await store.pools.create(pool);
      if (!created.ok) return { ok: false as const, reason: 'exists' as const };
      await store.keys.create(await generateSigningKey(pool.id, now));
      await reloadKeys();
      await bus.publish({ type: 'keys.changed', poolId: pool.id });
      return { ok: true as const, pool, secret };
    },

    get: (id: string) => store.pools.get(id),
    list: () => store.pools.list(),

    /**
     * Changes a pool's settings — today whether people may sign up by themselves
     * (`signUpEnabled`) — and returns the pool, or null when there is none. Read from the store
     * on every sign-up, so every node follows at once.
     */
    updateSettings: (id: string, patch: PoolPatch) => store.pools.update(id, patch),

    /**
     * CONTRACT §4 `userpools/accessToken`: pool id + secret → a pool administrator JWT. Guesses
     * are throttled per pool id and per client address (issue 10), and an unknown pool is
     * answered as a wrong secret is, so that the route does not tell which pools exist.
     */
    async issueAdminToken(poolId: string, secret: string, ip: string | null = null) {
      const attempt = await deps.throttle?.begin({ pool: poolId, address: addressKey(ip) });
      if (attempt && !attempt.ok) {
        return { ok: false as const, reason: 'throttled' as const, retryAt: attempt.retryAt };
      }
      const pool = await store.pools.get(poolId);
      if (!pool || !secretMatches(secret, pool.secretHash)) {
        await attempt?.failed();
        return { ok: false as const, reason: 'bad_credentials' as const };
      }
      await attempt?.succeeded();
      return { ok: true as const, ...(await tokens.issueAdminToken(poolId)) };
    },

    /** New signing key for a pool; the old one verifies until its tokens have expired. */
    async rotateKey(poolId: string) {
      const previous = keys.signingKey(poolId);
      const now = clock.now();
      const key = await generateSigningKey(poolId, now);
      await store.keys.create(key);
      if (previous) await store.keys.retire(poolId, previous.kid, now);
      await reloadKeys();
      await bus.publish({ type: 'keys.changed', poolId });
      return { kid: key.kid, retired: previous?.kid ?? null };
    },
  };
}

export type PoolService = ReturnType<typeof createPoolService>;
