// Prometheus metrics, served at GET /metrics (docs/operations.md#metrics). One registry per
// services instance — never prom-client's global one — so that several apps in one process
// (the tests build many) each count their own.
//
// Counters and histograms are this node's: sum them over the nodes. The outbox and bulk logout
// gauges are the store's, read at each scrape from indexes alone (src/store/sql/notices.ts),
// so every node reports the same deployment-wide values.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from './domain/clock.ts';
import type { EndReason } from './domain/model.ts';
import type { Store } from './store/store.ts';

/** Delivered notices are a ledger that only grows: they are counted over this window. */
export const DELIVERED_WINDOW_MS = 5 * 60_000;

export interface MetricsSources {
  store: Pick<Store, 'notices' | 'bulkLogouts'>;
  clock: Clock;
  revocationIndexSize(): number;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(sources: MetricsSources) {
  const registry = new Registry();
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'signoff_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'signoff_http_request_duration_seconds',
    help: 'Time from a request arriving to its response finished, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const sessionEnds = new Counter({
    name: 'signoff_session_ends_total',
    help: 'Ends committed by the session core (one per audit record), by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const sessionsEnded = new Counter({
    name: 'signoff_sessions_ended_total',
    help: 'Sessions those ends touched (ended whole, or ended in an app), by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const revocationPropagation = new Histogram({
    name: 'signoff_revocation_propagation_seconds',
    help: "Time from an end's commit on another node (bus) or its time stamp (poll) to this node's revocation index holding it, by source",
    labelNames: ['source'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  new Gauge({
    name: 'signoff_revocation_index_entries',
    help: "Ids of ended sessions and app sessions in this node's revocation index",
    registers,
    collect() {
      this.set(sources.revocationIndexSize());
    },
  });
  const throttled = new Counter({
    name: 'signoff_throttled_total',
    help: 'Requests refused with 429 by a throttle (failed sign-ins, wrong pool secrets), by route pattern',
    labelNames: ['route'] as const,
    registers,
  });

  // Read from the store at each scrape (render), not kept up to date as things happen.
  const outboxPending = new Gauge({
    name: 'signoff_outbox_pending',
    help: 'Notices waiting in the outbox (to be sent, retried or polled), by kind',
    labelNames: ['kind'] as const,
    registers,
  });
  const outboxFailed = new Gauge({
    name: 'signoff_outbox_failed',
    help: 'Notices given up on and not replayed since, by kind',
    labelNames: ['kind'] as const,
    registers,
  });
  const outboxDelivered = new Gauge({
    name: 'signoff_outbox_delivered_last_5m',
    help: 'Notices delivered (or acknowledged by a poller) in the last 5 minutes, by kind',
    labelNames: ['kind'] as const,
    registers,
  });
  const bulkLogouts = new Gauge({
    name: 'signoff_bulk_logouts',
    help: 'Bulk logout jobs ("log out everyone" of an app or a pool), by status',
    labelNames: ['status'] as const,
    registers,
  });
  const fromStore = [outboxPending, outboxFailed, outboxDelivered, bulkLogouts];

  async function readStore() {
    const [notices, jobs] = await Promise.all([
      sources.store.notices.counts(sources.clock.now() - DELIVERED_WINDOW_MS),
      sources.store.bulkLogouts.countByStatus(),
    ]);
    for (const { kind, pending, failed, delivered } of notices) {
      outboxPending.set({ kind }, pending);
      outboxFailed.set({ kind }, failed);
      outboxDelivered.set({ kind }, delivered);
    }
    for (const [status, n] of Object.entries(jobs)) bulkLogouts.set({ status }, n);
  }

  return {
    registry,
    httpRequests,
    httpDuration,
    throttled,
    /** The session core ended something (its observer). */
    sessionsEnded(reason: EndReason, sessions: number) {
      sessionEnds.inc({ reason });
      sessionsEnded.inc({ reason }, sessions);
    },
    /** The revocation sync applied an end this node had not seen (its observer). */
    revocationApplied(source: 'bus' | 'poll', lagMs: number) {
      revocationPropagation.observe({ source }, Math.max(0, lagMs) / 1000);
    },
    /**
     * The text exposition. A store that cannot be read leaves its gauges out of this scrape
     * (rather than stale); GET /ready says why.
     */
    async render(): Promise<string> {
      try {
        await readStore();
      } catch {
        for (const gauge of fromStore) gauge.reset();
      }
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}

/** The process's own metrics (CPU, memory, event loop lag, GC): only for the real server. */
export function collectProcessMetrics(metrics: Metrics) {
  collectDefaultMetrics({ register: metrics.registry });
}

/**
 * The route label: the matched pattern, never the raw URL (ids would make a series each). A
 * request below a mount — a prefix served without Fastify routes, the OpenID provider's — is
 * labelled `<mount>/*`.
 */
function routeOf(req: FastifyRequest, mounts: readonly string[] = []): string {
  if (req.routeOptions.url !== undefined) return req.routeOptions.url;
  const path = req.url.split('?')[0]!;
  const mount = mounts.find((m) => path === m || path.startsWith(`${m}/`));
  return mount === undefined ? 'unmatched' : `${mount}/*`;
}

/**
 * Counts every response, those written straight to the socket included (the OpenID provider's,
 * behind reply.hijack(), skip Fastify's onResponse hook).
 */
export function observeRequests(app: FastifyInstance, metrics: Metrics, mounts: readonly string[]) {
  app.addHook('onRequest', (req, reply, done) => {
    const started = performance.now();
    // Taken now: a mount may rewrite the URL on its way (the OpenID one does).
    const route = routeOf(req, mounts);
    reply.raw.once('finish', () => {
      const labels = { method: req.method, route, status: String(reply.raw.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
    });
    done();
  });
}

/** A throttle refused this request (429): one line where it is sent. */
export const countThrottled = (metrics: Metrics, req: FastifyRequest) =>
  metrics.throttled.inc({ route: routeOf(req) });
