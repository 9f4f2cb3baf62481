// An application's page: its Login status (who is signed in to it, Force logout per user and
// for a checked set, log out everyone as a job), its event streams, its settings, its secret
// and its deletion; and the page of a "log out everyone" job, which refreshes itself while the
// job runs. Each destructive button here opens a confirmation first (confirm-view.ts).
import type { ActiveUser, App, BulkLogout, Device, User } from '../../../domain/model.ts';
import { formatAgo } from '../formats.ts';
import { html } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField, handleOf } from '../layout.ts';
import { type SettingsErrors, type SettingsForm, secretCard, settingsSection } from './app-settings-view.ts';
import {
  appPath,
  type ConsoleFrame,
  consolePage,
  pager,
  poolPath,
  userPath,
  when,
} from './console-layout.ts';
import { eventStreamsSection, type StreamRow } from './event-streams-view.ts';

export interface AppPageView {
  app: App;
  streams: StreamRow[];
  now: number;
  form: SettingsForm;
  errors: SettingsErrors;
  rotated: string | null;
  active: { totalCount: number; list: { user: User; activity: ActiveUser }[] };
  page: number;
  pageSize: number;
}

export function deviceOf(d: Device) {
  if (d.browser && d.os) return `${d.browser} on ${d.os}`;
  return d.browser ?? d.os ?? 'Unknown device';
}

/** A user in a table: their name (or handle) linked, with the handle below a name. */
export function userCell(poolId: string, user: User) {
  const handle = handleOf(user);
  return user.name
    ? html`<a href="${userPath(poolId, user.id)}">${user.name}</a><span class="muted small block handle">${handle}</span>`
    : html`<a class="handle" href="${userPath(poolId, user.id)}">${handle}</a>`;
}

function loginStatus(frame: ConsoleFrame, view: AppPageView) {
  const path = appPath(frame.pool.id, view.app.id);
  const { list, totalCount } = view.active;
  const pages = Math.max(1, Math.ceil(totalCount / view.pageSize));
  return html`<section class="card" aria-labelledby="login-status">
  <div class="section-head">
    <div>
      <h2 id="login-status">Login status</h2>
      <p class="muted small">${totalCount === 1 ? '1 user is' : `${totalCount} users are`} signed in to ${view.app.name}. <strong>Force logout</strong> ends their sessions in this app at once: their tokens stop working, the app is notified, and they need their password to come back. Their other apps are not affected.</p>
    </div>
  </div>
  ${
    list.length === 0
      ? html`<p class="empty">Nobody is signed in to this app.</p>`
      : html`<form method="post" action="${path}/force-logout">
    ${csrfField(frame.csrf)}
    <div class="table-wrap"><table class="data">
      <caption class="visually-hidden">Users signed in to ${view.app.name}</caption>
      <thead><tr>
        <th scope="col" class="col-check"><span class="visually-hidden">Select</span></th>
        <th scope="col">User</th><th scope="col">Email</th><th scope="col">Last activity</th>
        <th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Signed in since</th>
        <th scope="col" class="col-action"><span class="visually-hidden">Actions</span></th>
      </tr></thead>
      <tbody>
        ${list.map(({ user, activity }) => {
          const handle = handleOf(user);
          return html`<tr>
          <td class="col-check"><input type="checkbox" name="userIds" value="${user.id}" aria-label="Select ${handle}"></td>
          <th scope="row">${userCell(frame.pool.id, user)}</th>
          <td class="nowrap">${user.email ?? '—'}</td>
          <td class="nowrap">${when(activity.lastActiveAt, frame.timeZone, formatAgo(activity.lastActiveAt, frame.now, frame.timeZone))}</td>
          <td>${deviceOf(activity.device)}${activity.sessions > 1 ? html` <span class="badge">${activity.sessions} sessions</span>` : null}</td>
          <td class="nowrap">${activity.ip ?? 'Unknown'}</td>
          <td class="col-time">${when(activity.since, frame.timeZone)}</td>
          <td class="col-action"><button type="submit" name="userId" value="${user.id}" class="button button-danger" aria-label="Force logout ${handle}">Force logout</button></td>
        </tr>`;
        })}
      </tbody>
    </table></div>
    <div class="toolbar">
      <button type="submit" class="button button-danger">Force logout selected</button>
      ${pager({ label: 'Login status pages', page: view.page, pages, href: (p) => `${path}?page=${p}#login-status` })}
    </div>
  </form>`
  }
  <form method="post" action="${path}/logout-all" class="toolbar">
    ${csrfField(frame.csrf)}
    <button type="submit" class="button button-secondary">Log out everyone from this app</button>
    <span class="muted small">Ends every session in this app as a background job, with progress.</span>
  </form>
</section>`;
}

export function appPage(frame: ConsoleFrame, view: AppPageView) {
  const path = appPath(frame.pool.id, view.app.id);
  return consolePage(
    frame,
    view.app.name,
    html`<div class="page-head">
  <p class="muted small"><a href="${poolPath(frame.pool.id)}/apps">Applications</a></p>
  <h1>${view.app.name}</h1>
  <p class="muted">App ID <code class="id">${view.app.id}</code> · <a href="#login-status">Login status</a> · <a href="${path}/deliveries">Logout deliveries</a></p>
</div>
${view.rotated ? secretCard(view.app, view.rotated, 'rotated') : null}
${loginStatus(frame, view)}
${eventStreamsSection(view.app, view.streams, { now: view.now, timeZone: frame.timeZone, csrf: frame.csrf, path: appPath(frame.pool.id, view.app.id) })}
${settingsSection({ csrf: frame.csrf, path, form: view.form, errors: view.errors })}
<section class="card" aria-labelledby="secret-rotate-title">
  <h2 id="secret-rotate-title">Secret</h2>
  <form method="post" action="${path}/rotate-secret" class="toolbar">
    ${csrfField(frame.csrf)}
    <button type="submit" class="button button-secondary">Rotate secret</button>
    <span class="muted small">A new secret replaces the current one at once.</span>
  </form>
</section>
<section class="card danger-zone" aria-labelledby="delete-app-title">
  <h2 id="delete-app-title">Delete this application</h2>
  <form method="post" action="${path}/delete" class="toolbar">
    ${csrfField(frame.csrf)}
    <button type="submit" class="button button-danger">Delete application</button>
    <span class="muted small">Ends every session signed in to it, and it can no longer sign anyone in.</span>
  </form>
</section>`,
  );
}

/** A "log out everyone" job: its progress while it runs, then how it ended. */
export function bulkLogoutPage(frame: ConsoleFrame, job: BulkLogout, app: App | null) {
  const running = job.status === 'running';
  const status = running ? 'Running' : job.status === 'done' ? 'Done' : 'Failed';
  const target = app ? app.name : job.appId ? 'a removed app' : `every app of ${frame.pool.name}`;
  return consolePage(
    frame,
    'Log out everyone',
    html`<div class="page-head">
  ${app ? html`<p class="muted small"><a href="${appPath(frame.pool.id, app.id)}">${app.name}</a></p>` : null}
  <h1>Log out everyone from ${target}</h1>
  <p class="muted">Started ${when(job.createdAt, frame.timeZone)} by ${job.actor.id ?? job.actor.type}</p>
</div>
<section class="card stack" aria-labelledby="job-status">
  <h2 id="job-status">Status: ${status}</h2>
  <progress id="job-progress" value="${job.ended}" max="${Math.max(job.total, job.ended, 1)}" aria-describedby="job-count">${job.ended} of ${job.total}</progress>
  <p id="job-count" role="status">${job.ended} of ${job.total} sessions ended${job.batches > 0 ? ` in ${job.batches} ${job.batches === 1 ? 'batch' : 'batches'}` : ''}.</p>
  ${job.error ? html`<div class="alert" role="alert">${icons.alert}<p>${job.error}</p></div>` : null}
  ${job.finishedAt ? html`<p class="muted small">Finished ${when(job.finishedAt, frame.timeZone)}</p>` : null}
  <p><a class="button button-secondary" href="${poolPath(frame.pool.id)}/bulk-logouts/${job.id}">Refresh</a>${running ? html` <span class="muted small">This page refreshes itself every 2 seconds while the job runs.</span>` : null}</p>
</section>`,
    running ? { refreshSeconds: 2 } : {},
  );
}
