// An application's page: its Login status (who is signed in to it, Force logout per user and
// for a checked set, log out everyone as a job), its settings and secret rotation; and the
// page of a "log out everyone" job, which refreshes itself while the job runs.
import type {
  ActiveUser,
  App,
  BulkLogout,
  Device,
  TokenEndpointAuthMethod,
  User,
} from '../../../domain/model.ts';
import { formatAgo } from '../formats.ts';
import { html } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField, handleOf } from '../layout.ts';
import { appPath, type ConsoleFrame, consolePage, poolPath, userPath, when } from './console-layout.ts';
import { eventStreamsSection, type StreamRow } from './event-streams-view.ts';

/** A secret just made (a new app, a rotation): shown on this answer only. */
export function secretCard(app: App, secret: string, what: 'created' | 'rotated') {
  return html`<section class="card secret-card" aria-labelledby="secret-title">
  <h2 id="secret-title">${what === 'created' ? `${app.name} created` : 'New secret'}</h2>
  <p>The application's secret is shown <strong>only this once</strong>. Copy it now: Signoff keeps only a hash of it.</p>
  <p class="secret"><code>${secret}</code></p>
  ${what === 'created' ? html`<p><a href="${appPath(app.poolId, app.id)}">Open ${app.name}</a></p>` : html`<p class="muted small">The previous secret no longer works.</p>`}
</section>`;
}

export interface SettingsForm {
  name: string;
  redirectUris: string;
  logoutRedirectUris: string;
  backchannelLogoutUri: string;
  tokenEndpointAuthMethod: string;
  ssfEnabled: boolean;
}

export type SettingsErrors = Partial<Record<keyof SettingsForm, string>>;

export const settingsFormOf = (app: App): SettingsForm => ({
  name: app.name,
  redirectUris: app.redirectUris.join('\n'),
  logoutRedirectUris: app.logoutRedirectUris.join('\n'),
  backchannelLogoutUri: app.backchannelLogoutUri ?? '',
  tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
  ssfEnabled: app.ssfEnabled,
});

const AUTH_METHODS: { value: TokenEndpointAuthMethod; label: string; hint: string }[] = [
  {
    value: 'client_secret_basic',
    label: 'Confidential, secret in the Authorization header (client_secret_basic)',
    hint: 'A web app with a server. Its secret also works in the request body.',
  },
  {
    value: 'client_secret_post',
    label: 'Confidential, secret in the request body (client_secret_post)',
    hint: 'A web app with a server. Its secret also works in the Authorization header.',
  },
  {
    value: 'none',
    label: 'Public, no secret (none)',
    hint: 'A single-page or native app, which cannot keep a secret. PKCE is required.',
  },
];

function authMethodField(form: SettingsForm, errors: SettingsErrors) {
  const error = errors.tokenEndpointAuthMethod;
  return html`<fieldset class="field"${error ? html` aria-describedby="tokenEndpointAuthMethod-error"` : null}>
  <legend>How the app signs in to the token endpoint</legend>
  ${AUTH_METHODS.map(
    (m) =>
      html`<label class="choice"><input type="radio" name="tokenEndpointAuthMethod" value="${m.value}"${form.tokenEndpointAuthMethod === m.value ? html` checked` : null}> <span>${m.label}<span class="muted small block">${m.hint}</span></span></label>`,
  )}
  ${error ? html`<p class="field-error" id="tokenEndpointAuthMethod-error" role="alert">${error}</p>` : null}
</fieldset>`;
}

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

function field(
  id: Exclude<keyof SettingsForm, 'tokenEndpointAuthMethod' | 'ssfEnabled'>,
  label: string,
  value: string,
  errors: SettingsErrors,
  kind: 'text' | 'lines',
  hint?: string,
) {
  const error = errors[id];
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  const aria = html`${error ? html` aria-invalid="true"` : null}${describedBy ? html` aria-describedby="${describedBy}"` : null}`;
  return html`<div class="field">
  <label for="${id}">${label}</label>
  ${hint ? html`<p class="muted small" id="${id}-hint">${hint}</p>` : null}
  ${
    kind === 'lines'
      ? html`<textarea class="input" id="${id}" name="${id}" rows="3" spellcheck="false"${aria}>${value}</textarea>`
      : html`<input class="input" id="${id}" name="${id}" type="text" spellcheck="false" value="${value}"${aria}>`
  }
  ${error ? html`<p class="field-error" id="${id}-error" role="alert">${error}</p>` : null}
</div>`;
}

function device(d: Device) {
  if (d.browser && d.os) return `${d.browser} on ${d.os}`;
  return d.browser ?? d.os ?? 'Unknown device';
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
        <th scope="col"><span class="visually-hidden">Select</span></th>
        <th scope="col">User</th><th scope="col">Email</th><th scope="col">Last activity</th>
        <th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Signed in since</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr></thead>
      <tbody>
        ${list.map(({ user, activity }) => {
          const handle = handleOf(user);
          return html`<tr>
          <td><input type="checkbox" name="userIds" value="${user.id}" aria-label="Select ${handle}"></td>
          <th scope="row"><a href="${userPath(frame.pool.id, user.id)}">${user.name ? `${user.name} (${user.username ?? user.email ?? ''})` : handle}</a></th>
          <td>${user.email ?? '—'}</td>
          <td>${when(activity.lastActiveAt, formatAgo(activity.lastActiveAt, frame.now))}</td>
          <td>${device(activity.device)}${activity.sessions > 1 ? html` <span class="badge">${activity.sessions} sessions</span>` : null}</td>
          <td>${activity.ip ?? 'Unknown'}</td>
          <td>${when(activity.since)}</td>
          <td><button type="submit" name="userId" value="${user.id}" class="button button-danger" aria-label="Force logout ${handle}">Force logout</button></td>
        </tr>`;
        })}
      </tbody>
    </table></div>
    <div class="toolbar">
      <button type="submit" class="button button-danger">Force logout selected</button>
      ${
        pages > 1
          ? html`<p class="muted small">Page ${view.page} of ${pages}
        ${view.page > 1 ? html`<a href="${path}?page=${view.page - 1}#login-status">Previous</a>` : null}
        ${view.page < pages ? html`<a href="${path}?page=${view.page + 1}#login-status">Next</a>` : null}</p>`
          : null
      }
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
  <p class="muted">App ID <code>${view.app.id}</code> · <a href="#login-status">Login status</a> · <a href="${path}/deliveries">Logout deliveries</a></p>
</div>
${view.rotated ? secretCard(view.app, view.rotated, 'rotated') : null}
${loginStatus(frame, view)}
${eventStreamsSection(view.app, view.streams, view.now)}
<section class="card" aria-labelledby="settings-title">
  <h2 id="settings-title">Settings</h2>
  ${Object.keys(view.errors).length > 0 ? html`<div class="alert" role="alert">${icons.alert}<p>Some settings are not valid. Nothing was saved.</p></div>` : null}
  <form method="post" action="${path}/settings" class="stack" novalidate>
    ${csrfField(frame.csrf)}
    ${field('name', 'Name', view.form.name, view.errors, 'text')}
    ${field('redirectUris', 'Redirect URIs', view.form.redirectUris, view.errors, 'lines', 'One per line. Where sign-ins may return to.')}
    ${field('logoutRedirectUris', 'Logout redirect URIs', view.form.logoutRedirectUris, view.errors, 'lines', 'One per line. The only places a logout may redirect to, matched exactly.')}
    ${field('backchannelLogoutUri', 'Back-channel logout URI', view.form.backchannelLogoutUri, view.errors, 'text', 'Optional. Where Signoff posts a logout token when a session in this app ends.')}
    ${authMethodField(view.form, view.errors)}
    <div class="field"><label class="choice"><input type="checkbox" name="ssfEnabled" value="on"${view.form.ssfEnabled ? html` checked` : null}> <span>Shared Signals receiver<span class="muted small block">A confidential app may open event streams (client credentials with scope ssf) and be told of every session of its users that ends.</span></span></label></div>
    <div><button type="submit" class="button button-primary">Save settings</button></div>
  </form>
</section>
<section class="card" aria-labelledby="secret-rotate-title">
  <h2 id="secret-rotate-title">Secret</h2>
  <form method="post" action="${path}/rotate-secret" class="toolbar">
    ${csrfField(frame.csrf)}
    <button type="submit" class="button button-secondary">Rotate secret</button>
    <span class="muted small">A new secret replaces the current one at once.</span>
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
  <p class="muted">Started ${when(job.createdAt)} by ${job.actor.id ?? job.actor.type}</p>
</div>
<section class="card stack" aria-labelledby="job-status">
  <h2 id="job-status">Status: ${status}</h2>
  <progress id="job-progress" value="${job.ended}" max="${Math.max(job.total, job.ended, 1)}" aria-describedby="job-count">${job.ended} of ${job.total}</progress>
  <p id="job-count" role="status">${job.ended} of ${job.total} sessions ended${job.batches > 0 ? ` in ${job.batches} ${job.batches === 1 ? 'batch' : 'batches'}` : ''}.</p>
  ${job.error ? html`<div class="alert" role="alert">${icons.alert}<p>${job.error}</p></div>` : null}
  ${job.finishedAt ? html`<p class="muted small">Finished ${when(job.finishedAt)}</p>` : null}
  <p><a class="button button-secondary" href="${poolPath(frame.pool.id)}/bulk-logouts/${job.id}">Refresh</a>${running ? html` <span class="muted small">This page refreshes itself every 2 seconds while the job runs.</span>` : null}</p>
</section>`,
    running ? { refreshSeconds: 2 } : {},
  );
}
