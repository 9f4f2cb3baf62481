// The Event streams section of an app's console page (issue 9): each Shared Signals stream
// the app opened as a receiver, with how its SETs stand — waiting, held, delivered, failed,
// the last error and the lag — with Retry failed, which queues a stream's given-up SETs again.
import type { EventStream, StreamStats } from '../../../domain/model.ts';
import { html } from '../html.ts';
import { csrfField } from '../layout.ts';
import { when } from './console-layout.ts';

export interface StreamRow {
  stream: EventStream;
  stats: StreamStats;
}

const lag = (stats: StreamStats, now: number) => {
  if (stats.oldestPendingAt === null) return '—';
  const seconds = Math.max(0, Math.round((now - stats.oldestPendingAt) / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
};

export function eventStreamsSection(
  app: { name: string; ssfEnabled: boolean },
  rows: StreamRow[],
  page: { now: number; timeZone: string; csrf: string; path: string },
) {
  const { now, timeZone } = page;
  return html`<section class="card" aria-labelledby="event-streams">
  <h2 id="event-streams">Event streams</h2>
  <p class="muted small">Shared Signals streams ${app.name} opened as a receiver: every session of its users that ends is reported on them as a CAEP session-revoked event. ${app.ssfEnabled ? null : html`<strong>Shared Signals are turned off for this app</strong>: no events are queued.`}</p>
  ${
    rows.length === 0
      ? html`<p class="empty">This app has no event stream.</p>`
      : html`<div class="table-wrap"><table class="data">
    <caption class="visually-hidden">Event streams of ${app.name}</caption>
    <thead><tr><th scope="col">Stream</th><th scope="col">Delivery</th><th scope="col">Status</th><th scope="col" class="num">Waiting</th><th scope="col" class="num">Held</th><th scope="col" class="num">Delivered</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Lag</th><th scope="col">Last error</th><th scope="col">Last polled</th><th scope="col" class="col-action"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>
      ${rows.map(
        ({ stream, stats }) => html`<tr>
        <td><code>${stream.id}</code>${stream.description ? html`<span class="muted small block">${stream.description}</span>` : null}</td>
        ${stream.delivery === 'push' ? html`<td class="col-uri">push to <code>${stream.endpointUrl}</code></td>` : html`<td>poll</td>`}
        <td><span class="status status-${stream.status === 'enabled' ? 'delivered' : stream.status === 'paused' ? 'pending' : 'failed'}">${stream.status}</span></td>
        <td class="num">${stats.pending}</td><td class="num">${stats.held}</td><td class="num">${stats.delivered}</td><td class="num">${stats.failed}</td>
        <td class="num">${lag(stats, now)}</td>
        <td>${stats.lastError ?? '—'}</td>
        <td>${stream.lastPolledAt ? when(stream.lastPolledAt, timeZone) : '—'}</td>
        <td class="col-action">${
          stats.failed === 0
            ? null
            : html`<form method="post" action="${page.path}/event-streams/${stream.id}/replay">${csrfField(page.csrf)}<button type="submit" class="button button-secondary" aria-label="Retry the failed events of stream ${stream.id}">Retry failed</button></form>`
        }</td>
      </tr>`,
      )}
    </tbody>
  </table></div>`
  }
</section>`;
}
