// A pool at a glance (issue 11), the console's landing page: who is signed in to each app now,
// how sessions ended hour by hour lately and why, and how the notices to apps (back-channel
// logout tokens and Shared Signals events) stand. Every read is bounded: the live sessions
// alone, the ends of the window, the outbox through its per-pool index.
import type { NoticeCounts, Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { App, EndReason } from '../model.ts';

export const HOUR_MS = 3_600_000;
/** The window of the session-ends chart and of the delivered counts: three days, by hour. */
export const DASHBOARD_HOURS = 72;

export interface Overview {
  now: number;
  /** The window's first hour (its start, ms); the last is the current hour. */
  since: number;
  hours: number;
  /** Every app of the pool with its live sessions and their users, most sessions first. */
  live: { app: App; sessions: number; users: number }[];
  /** Sessions ended per hour of the window and reason (hours without ends are absent). */
  ends: { hour: number; reason: EndReason; ends: number; sessions: number }[];
  notices: NoticeCounts[];
}

export function createDashboardService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  return {
    async overview(poolId: string): Promise<Overview> {
      const now = clock.now();
      const since = Math.floor(now / HOUR_MS) * HOUR_MS - (DASHBOARD_HOURS - 1) * HOUR_MS;
      const [apps, live, ends, notices] = await Promise.all([
        store.apps.list(poolId),
        store.sessions.liveByApp(poolId, now),
        store.audit.endsByHour(poolId, since),
        store.notices.countsOfPool(poolId, since),
      ]);
      const counts = new Map(live.map((l) => [l.appId, l]));
      return {
        now,
        since,
        hours: DASHBOARD_HOURS,
        live: apps
          .map((app) => ({
            app,
            sessions: counts.get(app.id)?.sessions ?? 0,
            users: counts.get(app.id)?.users ?? 0,
          }))
          .sort((a, b) => b.sessions - a.sessions || a.app.name.localeCompare(b.app.name)),
        ends,
        notices,
      };
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;
