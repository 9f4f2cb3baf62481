// A pool's dashboard, the console's landing page: live sessions per app, session ends per hour
// of the last three days by who ended them, and how the notices to apps stand. Each chart is
// an SVG image with a title and a description (charts.ts), a sentence saying what it shows,
// and the same numbers in a table under a disclosure, for whoever cannot see the chart.
import { HOUR_MS, type Overview } from '../../../domain/dashboard/dashboard.ts';
import { html, type Renderable } from '../html.ts';
import { type BarGroup, barChart, columnChart, type Segment } from './charts.ts';
import { counted } from './confirm-view.ts';
import { appPath, type ConsoleFrame, consolePage } from './console-layout.ts';

/** At most this many apps get a bar; the others are summed in words. */
const MAX_APPS = 12;

/** Who ended sessions, the chart's colours; reasons not listed (a new one) count as Other. */
const WHO = [
  {
    key: 'user',
    label: 'Users',
    reasons: ['user_logout', 'user_logout_others', 'user_logout_global', 'user_ended_session'],
  },
  { key: 'app', label: 'Apps', reasons: ['app_logout'] },
  { key: 'admin', label: 'Administrators', reasons: ['admin_logout', 'admin_kick'] },
  { key: 'deleted', label: 'Deletions', reasons: ['user_deleted', 'app_deleted'] },
  { key: 'expired', label: 'Expiry', reasons: ['expired'] },
  { key: 'other', label: 'Other', reasons: [] as string[] },
] as const;
type Who = (typeof WHO)[number]['key'];
const whoOf = (reason: string): Who =>
  WHO.find((w) => (w.reasons as readonly string[]).includes(reason))?.key ?? 'other';

// The axis and the hours are written in the reader's time zone, named on the chart as the
// console's times are. The columns are the store's hours (whole UTC hours): in a zone with a
// half-hour offset a column reads "14:30–15:30", and a day's label goes under the first column
// that starts in it.
function hourFormats(timeZone: string) {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' });
  const hourOf = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return {
    day: (ms: number) => day.format(ms),
    hourText: (ms: number) =>
      `${day.format(ms)}, ${hourOf.format(ms)}–${hourOf.format(ms + HOUR_MS)} ${timeZone}`,
  };
}

function figure(
  id: string,
  title: string,
  summary: Renderable,
  chart: Renderable,
  table: Renderable,
  extra?: Renderable,
) {
  return html`<section class="card chart-card" aria-labelledby="${id}-heading">
  <h2 id="${id}-heading">${title}</h2>
  <p class="muted small" id="${id}-summary">${summary}</p>
  <figure class="chart">${chart}</figure>
  ${extra ?? null}
  <details class="chart-data"><summary class="chart-data-toggle">The numbers</summary><div class="table-wrap">${table}</div></details>
</section>`;
}

function liveSection(frame: ConsoleFrame, o: Overview) {
  const shown = o.live.slice(0, MAX_APPS);
  const rest = o.live.slice(MAX_APPS);
  const withSessions = o.live.filter((l) => l.sessions > 0);
  const restSessions = rest.reduce((n, l) => n + l.sessions, 0);
  const summary =
    o.live.length === 0
      ? 'This pool has no applications yet.'
      : withSessions.length === 0
        ? 'Nobody is signed in to any app of this pool.'
        : `${withSessions.map((l) => `${l.app.name}: ${counted(l.sessions, 'session')}`).join('; ')}${
            o.live.length > withSessions.length
              ? `; ${counted(o.live.length - withSessions.length, 'app')} without any`
              : ''
          }.`;
  const chart = barChart({
    id: 'live-chart',
    title: 'Live sessions per app',
    desc: summary,
    groups: [
      {
        heading: null,
        rows: shown.map((l) => ({
          label: l.app.name.length > 48 ? `${l.app.name.slice(0, 47)}…` : l.app.name,
          value: l.sessions,
          title: `${l.app.name}: ${counted(l.sessions, 'live session')} of ${counted(l.users, 'user')}`,
          className: 'bar-live',
        })),
      },
    ],
  });
  const table = html`<table class="data"><caption class="visually-hidden">Live sessions per app</caption>
  <thead><tr><th scope="col">App</th><th scope="col" class="num">Live sessions</th><th scope="col" class="num">Users</th></tr></thead>
  <tbody>${o.live.map((l) => html`<tr><th scope="row"><a href="${appPath(frame.pool.id, l.app.id)}">${l.app.name}</a></th><td class="num">${l.sessions}</td><td class="num">${l.users}</td></tr>`)}</tbody></table>`;
  const more =
    rest.length > 0
      ? html`<p class="muted small">And ${counted(rest.length, 'other app')} with ${counted(restSessions, 'session')}.</p>`
      : null;
  return figure('live', 'Live sessions per app', summary, o.live.length > 0 ? chart : null, table, more);
}

function endsSection(o: Overview, timeZone: string) {
  const { day, hourText } = hourFormats(timeZone);
  const hours = Array.from({ length: o.hours }, (_, i) => o.since + i * HOUR_MS);
  const cells = new Map<string, number>();
  const totals = new Map<Who, number>();
  for (const e of o.ends) {
    const who = whoOf(e.reason);
    const key = `${e.hour}:${who}`;
    cells.set(key, (cells.get(key) ?? 0) + e.sessions);
    totals.set(who, (totals.get(who) ?? 0) + e.sessions);
  }
  const columns: Segment[][] = hours.map((hour) =>
    WHO.flatMap((w) => {
      const value = cells.get(`${hour}:${w.key}`) ?? 0;
      return value > 0
        ? [
            {
              value,
              className: `who-${w.key}`,
              title: `${hourText(hour)}: ${counted(value, 'session')} ended by ${w.label.toLowerCase()}`,
            },
          ]
        : [];
    }),
  );
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  const busiest = hours
    .map((hour, i) => ({ hour, n: columns[i]!.reduce((a, s) => a + s.value, 0) }))
    .reduce((a, b) => (b.n > a.n ? b : a), { hour: 0, n: 0 });
  const summary =
    sum === 0
      ? 'No session ended in the last 3 days.'
      : `${counted(sum, 'session')} ended in the last 3 days: ${WHO.filter((w) => totals.has(w.key))
          .map((w) => `${totals.get(w.key)} by ${w.label.toLowerCase()}`)
          .join(', ')}. The busiest hour was ${hourText(busiest.hour)}, with ${busiest.n}.`;
  const ticks = hours.flatMap((hour, index) =>
    index > 0 && day(hour) !== day(hours[index - 1]!) ? [{ index, text: day(hour) }] : [],
  );
  if ((ticks[0]?.index ?? o.hours) >= 10) ticks.unshift({ index: 0, text: day(hours[0]!) });
  const chart = columnChart({
    id: 'ends-chart',
    title: `Sessions ended per hour, last 3 days (${timeZone})`,
    desc: summary,
    columns,
    ticks,
    unit: 'sessions an hour',
  });
  const legend = html`<ul class="chart-legend" aria-label="Ended by">${WHO.map((w) => html`<li><span class="swatch who-${w.key}" aria-hidden="true"></span>${w.label}</li>`)}</ul>`;
  const busy = hours.filter((_, i) => columns[i]!.length > 0);
  const table = html`<table class="data"><caption class="visually-hidden">Sessions ended per hour, by who ended them</caption>
  <thead><tr><th scope="col">Hour (${timeZone})</th>${WHO.map((w) => html`<th scope="col" class="num">${w.label}</th>`)}</tr></thead>
  <tbody>${
    busy.length === 0
      ? html`<tr><td colspan="${WHO.length + 1}">None</td></tr>`
      : busy.map(
          (hour) =>
            html`<tr><th scope="row" class="nowrap">${hourText(hour)}</th>${WHO.map((w) => html`<td class="num">${cells.get(`${hour}:${w.key}`) ?? 0}</td>`)}</tr>`,
        )
  }</tbody></table>`;
  return figure('ends', 'Sessions ended per hour', summary, chart, table, legend);
}

const KINDS = { backchannel: 'Back-channel logout', set: 'Event streams (Shared Signals)' } as const;

function noticesSection(o: Overview) {
  const groups: BarGroup[] = o.notices.map((n) => ({
    heading: KINDS[n.kind],
    rows: [
      {
        label: 'Delivered, last 3 days',
        value: n.delivered,
        className: 'bar-delivered',
        title: `${KINDS[n.kind]}: ${counted(n.delivered, 'notice')} delivered in the last 3 days`,
      },
      {
        label: 'Pending',
        value: n.pending,
        className: 'bar-pending',
        title: `${KINDS[n.kind]}: ${counted(n.pending, 'notice')} waiting to be delivered`,
      },
      {
        label: 'Failed',
        value: n.failed,
        className: 'bar-failed',
        title: `${KINDS[n.kind]}: ${counted(n.failed, 'notice')} given up on`,
      },
    ],
  }));
  const summary = o.notices
    .map(
      (n) =>
        `${KINDS[n.kind]}: ${n.delivered} delivered in the last 3 days, ${n.pending} pending, ${n.failed} failed.`,
    )
    .join(' ');
  const chart = barChart({ id: 'notices-chart', title: 'Notices to apps', desc: summary, groups });
  const table = html`<table class="data"><caption class="visually-hidden">Notices to apps by status</caption>
  <thead><tr><th scope="col">Notices</th><th scope="col" class="num">Delivered, last 3 days</th><th scope="col" class="num">Pending</th><th scope="col" class="num">Failed</th></tr></thead>
  <tbody>${o.notices.map((n) => html`<tr><th scope="row">${KINDS[n.kind]}</th><td class="num">${n.delivered}</td><td class="num">${n.pending}</td><td class="num">${n.failed}</td></tr>`)}</tbody></table>`;
  const note = html`<p class="muted small">Each app's back-channel deliveries, with their errors and Retry, are under its <strong>Logout deliveries</strong>; its event streams on its page.</p>`;
  return figure('notices', 'Notices to apps', summary, chart, table, note);
}

export function dashboardPage(frame: ConsoleFrame, o: Overview) {
  return consolePage(
    frame,
    `Dashboard · ${frame.pool.name}`,
    html`<div class="page-head"><h1>Dashboard</h1><p class="muted">${frame.pool.name} now, and over the last 3 days.</p></div>
<div class="dashboard">
${liveSection(frame, o)}
${noticesSection(o)}
${endsSection(o, frame.timeZone)}
</div>`,
  );
}
