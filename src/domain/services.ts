// The one place that wires the domain: every service is a factory taking its dependencies.
import type { Bus } from '../bus/bus.ts';
import { createMetrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import {
  createMemoryThrottleCounters,
  type ThrottleCounters,
  withMemoryFallback,
} from '../throttle/counters.ts';
import { createAdminService } from './admins.ts';
import { createAppService } from './apps/apps.ts';
import { createAuditService } from './audit/audit.ts';
import { createLoginService } from './auth/login.ts';
import { createSignUpService } from './auth/sign-up.ts';
import {
  createThrottle,
  DEFAULT_THROTTLE_LIMITS,
  type ThrottleLimits,
  type ThrottleRefusal,
  type ThrottleRule,
} from './auth/throttle.ts';
import type { Clock } from './clock.ts';
import { createDashboardService } from './dashboard/dashboard.ts';
import type { Logger } from './logger.ts';
import { createBackchannelWorker } from './logout/backchannel-worker.ts';
import { type BulkLogoutDeps, createBulkLogoutService } from './logout/bulk-logout.ts';
import { createLogoutService } from './logout/logout.ts';
import { createLogoutDeliveryService } from './logout/logout-deliveries.ts';
import { createOutageLog, every, reportingOutages } from './outage-log.ts';
import { createPoolService } from './pools/pools.ts';
import { createSessionCore } from './sessions/session-core.ts';
import { createSessionService } from './sessions/sessions.ts';
import { createSetPoller } from './ssf/poll.ts';
import { createSetSigner } from './ssf/security-events.ts';
import { createSetPushWorker } from './ssf/set-push-worker.ts';
import { createStreamLedger } from './ssf/stream-ledger.ts';
import { createStreamService } from './ssf/streams.ts';
import { createKeyRing } from './tokens/key-ring.ts';
import { createRevocationIndex } from './tokens/revocation-index.ts';
import { startRevocationSync } from './tokens/revocation-sync.ts';
import { createTokenService } from './tokens/tokens.ts';
import { createUserDirectory } from './user-directory/user-directory.ts';
import { createUserService } from './users/users.ts';

export interface DomainSettings {
  publicUrl: string;
  accessTokenTTL: number;
  adminTokenTTL: number;
  sessionIdleTTL: number;
  sessionAbsoluteTTL: number;
  /** Seconds after which a back-channel logout delivery still failing is marked failed. */
  backchannelGiveUpAfter: number;
  /** Deliver back-channel logouts (and pushed SETs) to loopback, private and link-local addresses too. */
  backchannelAllowPrivate: boolean;
  /** Seconds a Security Event Token waits for a poll before it is dropped; default 7 days. */
  ssfRetention?: number;
  /**
   * Sign-in failures allowed per account and per address (the hosted page, the API and the
   * console); defaults to DEFAULT_THROTTLE_LIMITS.
   */
  loginThrottle?: ThrottleLimits;
}

export interface ServiceDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  log: Logger;
  settings: DomainSettings;
  /**
   * Where the sign-in throttles count: Redis shared by the nodes (main.ts, with REDIS_URL), or
   * this process's memory when not given. The creator closes it.
   */
  throttleCounters?: ThrottleCounters;
  /** Called on every attempt a throttle refuses (for metrics). */
  onThrottleRefused?: (refusal: ThrottleRefusal) => void;
  /**
   * How often background work runs (revocation poll, key reload, expiry sweep, back-channel
   * retries); tests turn it off and drive the work themselves (`backchannel.runOnce()`).
   */
  background?:
    | {
        revocationPollMs: number;
        keyReloadMs: number;
        expirySweepMs: number;
        backchannelPollMs: number;
        /** How often a node looks for bulk logouts whose lease ran out; 10 s by default. */
        bulkTakeoverMs?: number;
      }
    | false;
  /** Bulk logout tuning (tests shorten the lease and the batches); see bulk-logout.ts. */
  bulk?: Pick<BulkLogoutDeps, 'leaseMs' | 'batchSize' | 'storeRetryMs'>;
}

export async function createServices(deps: ServiceDeps) {
  const { store, bus, clock, log, settings } = deps;
  // A revocation must be remembered as long as an access token carrying it may be presented;
  // a retired key must verify as long as any token it signed (access or admin) may be.
  const retentionMs = settings.accessTokenTTL * 1000;
  const keyRetentionMs = Math.max(settings.accessTokenTTL, settings.adminTokenTTL) * 1000;
  const index = createRevocationIndex();
  const keys = createKeyRing();
  const metrics = createMetrics({ store, clock, revocationIndexSize: () => index.size });

  // A Redis that stops answering must neither lock everyone out nor let guessing go
  // unchecked: each node counts in its own memory until Redis is back (withMemoryFallback).
  const counters = deps.throttleCounters
    ? withMemoryFallback(deps.throttleCounters, {
        onDegraded: (error) =>
          log.warn(
            { err: error },
            'throttle counters unreachable: counting sign-in failures per node meanwhile',
          ),
        onRecovered: () => log.info({}, 'throttle counters reachable again'),
      })
    : createMemoryThrottleCounters();
  const limits = settings.loginThrottle ?? DEFAULT_THROTTLE_LIMITS;
  const throttle = <Rule extends string>(name: string, rules: Record<Rule, ThrottleRule>) =>
    createThrottle({
      name,
      rules,
      counters,
      clock,
      ...(deps.onThrottleRefused ? { onRefused: deps.onThrottleRefused } : {}),
    });
  const perAddress = { limit: limits.perIp, windowMs: limits.windowMs };

  // The default pool (the first, created at bootstrap) is the OIDC issuer $PUBLIC_URL/oidc
  // (CONTRACT §7); any other pool gets its own issuer below it.
  let defaultPoolId: string | null = null;
  /** The path of a pool's issuer under the public URL: where its OIDC (and SSF) routes live. */
  const issuerPathOf = (poolId: string) => (poolId === defaultPoolId ? '/oidc' : `/oidc/pools/${poolId}`);
  const issuerOf = (poolId: string) => `${settings.publicUrl}${issuerPathOf(poolId)}`;

  const tokens = createTokenService({
    keys,
    index,
    clock,
    issuerOf,
    accessTokenTTL: settings.accessTokenTTL,
    adminTokenTTL: settings.adminTokenTTL,
  });
  const core = createSessionCore({
    store,
    index,
    bus,
    clock,
    onPublishError: (error) =>
      log.warn({ err: error }, 'event bus publish failed; other nodes catch up by polling'),
    onEnded: (reason, summary) => metrics.sessionsEnded(reason, summary.sessions),
  });
  const sessions = createSessionService({
    store,
    core,
    clock,
    idleTTL: settings.sessionIdleTTL,
    absoluteTTL: settings.sessionAbsoluteTTL,
    log,
  });
  // Console sign-ins get their own throttle (its own counts), with the hosted login's limits
  // per (email, address), and lockouts doubling up to a day while an address keeps guessing.
  const admins = createAdminService({
    store,
    clock,
    throttle: throttle('console', {
      accountAtAddress: {
        limit: limits.perAccount,
        windowMs: limits.windowMs,
        clearOnSuccess: true,
        backoff: { maxMs: 86_400_000, memoryMs: 86_400_000 },
      },
      address: perAddress,
    }),
  });

  const poolService = createPoolService({
    store,
    keys,
    tokens,
    bus,
    clock,
    keyRetentionMs,
    // Pool secrets are high-entropy, but a route that answers 300 guesses a second invites them.
    throttle: throttle('pool-token', {
      pool: { limit: 10, windowMs: 15 * 60_000, clearOnSuccess: true },
      address: { limit: 50, windowMs: 15 * 60_000 },
    }),
  });
  const pools: typeof poolService = {
    ...poolService,
    async create(input) {
      const created = await poolService.create(input);
      if (created.ok) defaultPoolId ??= created.pool.id;
      return created;
    },
  };

  await pools.reloadKeys();
  defaultPoolId = (await store.pools.list())[0]?.id ?? null;

  // Other nodes rotate keys or create pools: reload when told.
  const unsubscribeKeys = bus.subscribe((event) => {
    if (event.type !== 'keys.changed') return;
    pools.reloadKeys().catch((error: unknown) => log.error({ err: error }, 'reloading signing keys failed'));
  });

  const background = deps.background ?? {
    revocationPollMs: 2000,
    keyReloadMs: 10_000,
    expirySweepMs: 60_000,
    backchannelPollMs: 1000,
  };
  // Background tasks keep going through a store outage and say so once each (outage-log.ts).
  const outages = {
    poll: createOutageLog(log, 'revocation poll'),
    sweep: createOutageLog(log, 'expiry sweep'),
    keys: createOutageLog(log, 'reloading signing keys'),
    purge: createOutageLog(log, 'purges'),
  };
  const sync = await startRevocationSync({
    store,
    bus,
    index,
    clock,
    retentionMs,
    pollMs: background ? background.revocationPollMs : 2 ** 31 - 1,
    onError: (error) => outages.poll.failed(error, 'revocation poll failed'),
    onPolled: () => outages.poll.succeeded(),
    onApplied: (source, lagMs) => metrics.revocationApplied(source, lagMs),
  });
  // Periodic work, stopped by stop(). Expired sessions are ended through the session core;
  // expired console sessions, OIDC codes, tokens and interactions are refused on read, and the
  // purge reclaims them. Keys change rarely and the bus announces it; re-reading them also
  // covers a node that missed the message (or a CLI rotation without Redis) and drops keys past
  // their use.
  const timers: NodeJS.Timeout[] = [];
  if (background) {
    timers.push(
      every(background.expirySweepMs, outages.sweep, 'expiry sweep failed', async () => {
        const n = await sessions.endExpired();
        if (n > 0) log.info({ ended: n }, 'ended expired sessions');
      }),
      every(background.expirySweepMs, outages.purge, 'purge failed', () =>
        Promise.all([admins.purgeExpiredConsoleSessions(), store.oidc.purgeExpired(clock.now())]),
      ),
      every(background.keyReloadMs, outages.keys, 'reloading signing keys failed', () => pools.reloadKeys()),
      every(3_600_000, outages.purge, 'store optimize failed', () => store.optimize()),
    );
  }

  // Both notice channels (back-channel logout, pushed SETs): one give-up horizon, one guard.
  const noticeSettings = {
    giveUpAfterMs: settings.backchannelGiveUpAfter * 1000,
    allowPrivate: settings.backchannelAllowPrivate,
  };
  const backchannel = createBackchannelWorker({
    store,
    keys,
    issuerOf,
    bus,
    clock,
    log,
    settings: noticeSettings,
  });
  // Woken at once by ends that queued deliveries; the timer brings retries as they come due
  // and whatever was pending when the process last stopped.
  if (background) backchannel.start(background.backchannelPollMs);

  const bulkLogouts = createBulkLogoutService({
    store,
    core,
    clock,
    log,
    ...deps.bulk,
  });
  // At start, and then periodically: jobs whose node died (or stopped) are taken over once
  // their lease has run out, by whichever node looks first.
  if (background) {
    const takeOver = async () => {
      const n = await bulkLogouts.resume();
      if (n > 0) log.info({ resumed: n }, 'resumed bulk logouts');
    };
    const outage = createOutageLog(log, 'bulk logout takeover');
    reportingOutages(outage, 'resuming bulk logouts failed', takeOver);
    timers.push(every(background.bulkTakeoverMs ?? 10_000, outage, 'resuming bulk logouts failed', takeOver));
  }

  const login = createLoginService({
    store,
    sessions,
    tokens,
    // One count per user for every password sign-in route (issue 10 finding 3), and for the
    // current password of a password change.
    throttle: throttle('sign-in', {
      account: { limit: limits.perAccount, windowMs: limits.windowMs, clearOnSuccess: true },
      address: perAddress,
    }),
  });

  // Shared Signals: SETs queued outside a session end wake the pollers (and the worker) on
  // every node through the bus.
  const setsQueued = (poolId: string, apps: string[]) => {
    bus
      .publish({ type: 'sets.queued', poolId, apps })
      .catch((error: unknown) => log.warn({ err: error }, 'event bus publish failed'));
  };
  const signSet = createSetSigner({ keys, issuerOf });
  const streams = createStreamService({
    store,
    clock,
    issuerOf,
    allowPrivate: settings.backchannelAllowPrivate,
    queued: setsQueued,
    tokenLifetimeMs: retentionMs,
  });
  const users = createUserService({
    store,
    core,
    clock,
    checkPassword: login.checkUserPassword,
    onSetsQueued: setsQueued,
  });
  // Sign-ups (the page and the API) are counted per address with the sign-in's limit, in a
  // count of their own: people signing up behind one address spend nothing of its sign-ins.
  const signUp = createSignUpService({
    store,
    users,
    throttle: throttle('sign-up', { address: perAddress }),
  });
  const setPoller = createSetPoller({ store, clock, bus, signSet });
  // SETs of push streams go out as back-channel notices do: the same engine.
  const setPush = createSetPushWorker({
    store,
    signSet,
    bus,
    clock,
    log,
    settings: noticeSettings,
  });
  const ssfRetentionMs = (settings.ssfRetention ?? 7 * 86400) * 1000;
  if (background) {
    setPush.start(background.backchannelPollMs);
    timers.push(
      every(background.expirySweepMs, outages.purge, 'SSF retention purge failed', () =>
        store.ssf.purgeUnpolled(clock.now() - ssfRetentionMs),
      ),
    );
  }

  return {
    store,
    bus,
    clock,
    bulkLogouts,
    streams,
    streamLedger: createStreamLedger({ store, clock, queued: setsQueued }),
    setPoller,
    setPush,
    signSet,
    log,
    settings,
    metrics,
    index,
    keys,
    tokens,
    core,
    sessions,
    pools,
    apps: createAppService({
      store,
      core,
      clock,
      settings: { backchannelAllowPrivate: settings.backchannelAllowPrivate },
    }),
    users,
    userDirectory: createUserDirectory({ store, clock }),
    admins,
    audit: createAuditService({ store }),
    dashboard: createDashboardService({ store, clock }),
    login,
    signUp,
    logout: createLogoutService({ core, sessions, store }),
    backchannel,
    logoutDeliveries: createLogoutDeliveryService({ store, clock, wake: backchannel.wake }),
    issuerOf,
    issuerPathOf,
    defaultPoolId: () => defaultPoolId,
    revocationSync: sync,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await bulkLogouts.stop();
      sync.stop();
      unsubscribeKeys();
      setPoller.stop();
      await Promise.all([backchannel.stop(), setPush.stop()]);
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
