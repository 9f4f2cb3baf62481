// The back-channel logout channel of the notice worker (src/domain/notices/notice-worker.ts).
// The session core writes one outbox row per (ended app session, app with a back-channel URI)
// in the transaction that ends the sessions; this channel claims those rows, signs a logout
// token for each (OIDC Back-Channel Logout 1.0 §2.4) and POSTs it (§2.5); the engine records the
// outcome: delivered; a retry with capped exponential backoff when the failure may be
// recoverable (§2.5: no connection, no answer, 408, 429, 5xx — see guarded-post.ts); or failed —
// past the give-up horizon, when the target is refused, or at once when the app answered that
// retrying cannot help (a 400: it rejected the token, §2.8) — until an administrator replays it.
//
// Every attempt carries a fresh jti, so a repeat is not refused by an app's jti replay check
// (§2.6); an app should answer 200 to a notice about a session it already ended.
import type { Bus } from '../../bus/bus.ts';
import type { DueDelivery, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { CONCURRENCY_PER_TARGET, createNoticeWorker, type NoticeChannel } from '../notices/notice-worker.ts';
import type { KeyRing } from '../tokens/key-ring.ts';
import { type BackchannelPost, createBackchannelPost } from './backchannel-post.ts';
import { createLogoutTokenSigner } from './logout-token.ts';

export {
  BATCH_SIZE,
  CONCURRENCY_PER_TARGET,
  RETRY_BASE_MS,
  RETRY_CAP_MS,
  type RunSummary,
  retryAfterMs,
  retryDelay,
  SLOW_TARGET_PAUSE_MS,
} from '../notices/notice-worker.ts';

export interface BackchannelSettings {
  /** A delivery still failing this long after it was queued (or replayed) is marked failed, ms. */
  giveUpAfterMs: number;
  /** Allow loopback, private and link-local targets (SIGNOFF_BACKCHANNEL_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Time allowed for one POST, ms. */
  timeoutMs?: number;
  /** Rows claimed per run. */
  batchSize?: number;
  /** POSTs in flight to one server at a time; a run's other notices to it wait their turn. */
  concurrencyPerTarget?: number;
  /** How long a claim keeps other workers off a row; well above the time a run can take. */
  leaseMs?: number;
}

export interface BackchannelWorkerDeps {
  store: Store;
  keys: KeyRing;
  issuerOf: (poolId: string) => string;
  bus: Bus;
  clock: Clock;
  log: Logger;
  settings: BackchannelSettings;
  /** The transport; by default the guarded node:http POST of backchannel-post.ts. */
  post?: BackchannelPost;
  random?: () => number;
}

export function createBackchannelWorker(deps: BackchannelWorkerDeps) {
  const { store, clock, settings } = deps;
  const timeoutMs = settings.timeoutMs ?? 5000;
  const ownPost = deps.post
    ? null
    : createBackchannelPost({
        timeoutMs,
        allowPrivate: settings.allowPrivate,
        maxSockets: settings.concurrencyPerTarget ?? CONCURRENCY_PER_TARGET,
      });
  const post: BackchannelPost = deps.post ?? ownPost!;
  const sign = createLogoutTokenSigner({ keys: deps.keys, clock, issuerOf: deps.issuerOf });

  const channel: NoticeChannel<DueDelivery, LogoutAbout> = {
    name: 'back-channel logout',
    claimDue: (now, limit, leaseMs) => store.deliveries.claimDue(now, limit, leaseMs),
    markMany: (marks) => store.deliveries.markMany(marks),
    targetOf: (d) =>
      d.backchannelLogoutUri === null
        ? { refused: 'the application no longer has a backchannelLogoutUri' }
        : { url: d.backchannelLogoutUri },
    send: async (d, url, options) =>
      post(
        url,
        {
          logout_token: await sign({
            poolId: d.poolId,
            appId: d.appId,
            userId: d.userId,
            sessionId: d.sessionId,
          }),
        },
        options,
      ),
    describe: (d) => ({
      poolId: d.poolId,
      appId: d.appId,
      deliveryId: d.id,
      sid: d.sessionId,
      userId: d.userId,
    }),
    announce: {
      delivered: (about) => ({ type: 'logout.delivered', ...about }),
      failed: (about, error) => ({ type: 'logout.failed', ...about, error }),
    },
    wakesOn: (event) => event.type === 'session.ended' && event.deliveries > 0,
    close: () => ownPost?.close(),
  };
  return createNoticeWorker(channel, {
    bus: deps.bus,
    clock,
    log: deps.log,
    random: deps.random,
    settings: { ...settings, timeoutMs },
  });
}

/** What identifies a delivery in its log lines and outcome events. */
interface LogoutAbout {
  poolId: string;
  appId: string;
  deliveryId: string;
  sid: string;
  userId: string;
}

export type BackchannelWorker = ReturnType<typeof createBackchannelWorker>;
