// The administrator console's pages (/console): the hosted pages' look and rules — no script,
// real forms, buttons, labels and tables with headers — with a header of its own (pool
// switcher, the signed-in administrator, Sign out) and a per-pool navigation.
import type {
  ActiveUser,
  Admin,
  App,
  BulkLogout,
  Device,
  LogoutDelivery,
  Pool,
  SessionEndRecord,
  SessionWithApps,
  User,
} from '../../domain/model.ts';
import { html, type Markup, type Renderable } from './html.ts';
import { icons } from './icons.ts';
import { csrfField, documentShell, handleOf } from './layout.ts';
import { deviceName, formatAgo, formatTime } from './personal-center-view.ts';

export type ConsoleSection = 'apps' | 'users' | 'audit';

export interface ConsoleFrame {
  admin: Admin;
  csrf: string;
  pools: Pool[];
  pool: Pool;
  section: ConsoleSection;
  now: number;
  notice?: string | null;
}

export const poolPath = (poolId: string) => `/console/pools/${encodeURIComponent(poolId)}`;
export const appPath = (poolId: string, appId: string) =>
  `${poolPath(poolId)}/apps/${encodeURIComponent(appId)}`;
export const userPath = (poolId: string, userId: string) =>
  `${poolPath(poolId)}/users/${encodeURIComponent(userId)}`;

const when = (ms: number, text = formatTime(ms)) =>
  html`<time datetime="${new Date(ms).toISOString()}" title="${formatTime(ms)}">${text}</time>`;

function shell(input: { title: string; header: Renderable; main: Renderable; refreshSeconds?: number }) {
  return documentShell({
    title: `${input.title} · Signoff console`,
    brand: { href: '/console', tag: 'Console' },
    header: input.header,
    body: input.main,
    footer: 'Signoff administrator console',
    refreshSeconds: input.refreshSeconds,
  });
}

function consoleHeader(frame: ConsoleFrame) {
  return html`<div class="console-header-tools">
  <form method="get" action="/console/switch" class="pool-switcher">
    <label for="pool-switch">Pool</label>
    <select id="pool-switch" name="pool" class="input">
      ${frame.pools.map((p) => html`<option value="${p.id}"${p.id === frame.pool.id ? html` selected` : null}>${p.name}</option>`)}
    </select>
    <button type="submit" class="button button-secondary">Switch</button>
  </form>
  <span class="muted small">${frame.admin.email}</span>
  <form method="post" action="/console/logout">
    ${csrfField(frame.csrf)}
    <button type="submit" class="button button-secondary">${icons.logOut}Sign out</button>
  </form>
</div>`;
}

function nav(frame: ConsoleFrame) {
  const base = poolPath(frame.pool.id);
  const item = (section: ConsoleSection, href: string, label: string) =>
    html`<li><a href="${href}"${frame.section === section ? html` aria-current="page"` : null}>${label}</a></li>`;
  return html`<nav class="console-nav" aria-label="Console">
  <ul role="list">
    ${item('apps', `${base}/apps`, 'Applications')}
    ${item('users', `${base}/users`, 'Users')}
    ${item('audit', `${base}/audit`, 'Audit')}
  </ul>
</nav>`;
}

const noticeBox = (notice: string | null | undefined) =>
  notice ? html`<div class="alert success" role="status">${icons.check}<p>${notice}</p></div>` : null;

export function consolePage(
  frame: ConsoleFrame,
  title: string,
  body: Renderable,
  options: { refreshSeconds?: number } = {},
) {
  return shell({
    title,
    header: consoleHeader(frame),
    ...options,
    main: html`<div class="console">
${nav(frame)}
<main id="main" class="site-main console-main">
${noticeBox(frame.notice)}
${body}
</main>
</div>`,
  });
}

// ---- sign-in -------------------------------------------------------------------------------

export type ConsoleLoginProblem =
  | { kind: 'credentials' }
  | { kind: 'missing' }
  | { kind: 'throttled'; retryIn: string };

export function consoleLoginPage(view: { csrf: string; email: string; problem: ConsoleLoginProblem | null }) {
  const problem =
    view.problem?.kind === 'credentials'
      ? 'The email or password is incorrect.'
      : view.problem?.kind === 'missing'
        ? 'Enter your email and your password.'
        : view.problem?.kind === 'throttled'
          ? `Too many unsuccessful sign-in attempts. Try again ${view.problem.retryIn}.`
          : null;
  const invalid = view.problem !== null && view.problem.kind !== 'throttled';
  const described = invalid ? html` aria-invalid="true" aria-describedby="login-error"` : null;
  return shell({
    title: 'Sign in',
    header: null,
    main: html`<main id="main" class="site-main narrow">
<div class="card card-lg stack">
  <div class="stack">
    <h1>Sign in to the console</h1>
    <p class="lead">For Signoff administrators.</p>
  </div>
  ${problem ? html`<div class="alert" role="alert" id="login-error">${icons.alert}<p>${problem}</p></div>` : null}
  <form method="post" action="/console/login" class="stack" novalidate>
    ${csrfField(view.csrf)}
    <div class="field">
      <label for="email">Email</label>
      <input class="input" id="email" name="email" type="email" autocomplete="username" spellcheck="false" required maxlength="254" value="${view.email}"${described}>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input class="input" id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"${described}>
    </div>
    <button type="submit" class="button button-primary button-block">Sign in</button>
  </form>
</div>
</main>`,
  });
}

/** A console page that says one thing (not found, form expired) with a way back. */
export function consoleMessagePage(title: string, text: string, back: { href: string; label: string }) {
  return shell({
    title,
    header: null,
    main: html`<main id="main" class="site-main narrow">
<div class="card card-lg stack center">
  <div class="status-icon warning">${icons.alert}</div>
  <h1>${title}</h1>
  <p class="lead">${text}</p>
  <p><a class="button button-primary button-block" href="${back.href}">${back.label}</a></p>
</div>
</main>`,
  });
}

// ---- applications ----------------------------------------------------------------------------

export function appsPage(frame: ConsoleFrame, apps: App[], created: { app: App; secret: string } | null) {
  const base = poolPath(frame.pool.id);
  return consolePage(
    frame,
    'Applications',
    html`<div class="page-head"><h1>Applications</h1><p class="muted">Pool ${frame.pool.name}</p></div>
${created ? secretCard(created.app, created.secret, 'created') : null}
<section class="card" aria-labelledby="apps-title">
  <h2 id="apps-title">All applications</h2>
  ${
    apps.length === 0
      ? html`<p class="empty">No applications yet.</p>`
      : html`<div class="table-wrap"><table class="data">
    <thead><tr><th scope="col">Name</th><th scope="col">App ID</th><th scope="col">Back-channel logout</th><th scope="col">Created</th></tr></thead>
    <tbody>
      ${apps.map(
        (a) => html`<tr>
        <td><a href="${appPath(frame.pool.id, a.id)}">${a.name}</a></td>
        <td><code>${a.id}</code></td>
        <td>${a.backchannelLogoutUri ? 'Yes' : 'No'}</td>
        <td>${when(a.createdAt)}</td>
      </tr>`,
      )}
    </tbody>
  </table></div>`
  }
</section>
<section class="card" aria-labelledby="create-title">
  <h2 id="create-title">Create an application</h2>
  <form method="post" action="${base}/apps" class="inline-form">
    ${csrfField(frame.csrf)}
    <div class="field">
      <label for="new-app-name">Name</label>
      <input class="input" id="new-app-name" name="name" type="text" required maxlength="200">
    </div>
    <button type="submit" class="button button-primary">Create application</button>
  </form>
</section>`,
  );
}

function secretCard(app: App, secret: string, what: 'created' | 'rotated') {
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
}

export type SettingsErrors = Partial<Record<keyof SettingsForm, string>>;

export const settingsFormOf = (app: App): SettingsForm => ({
  name: app.name,
  redirectUris: app.redirectUris.join('\n'),
  logoutRedirectUris: app.logoutRedirectUris.join('\n'),
  backchannelLogoutUri: app.backchannelLogoutUri ?? '',
});

export interface AppPageView {
  app: App;
  form: SettingsForm;
  errors: SettingsErrors;
  rotated: string | null;
  active: { totalCount: number; list: { user: User; activity: ActiveUser }[] };
  page: number;
  pageSize: number;
}

function field(
  id: keyof SettingsForm,
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
<section class="card" aria-labelledby="settings-title">
  <h2 id="settings-title">Settings</h2>
  ${Object.keys(view.errors).length > 0 ? html`<div class="alert" role="alert">${icons.alert}<p>Some settings are not valid. Nothing was saved.</p></div>` : null}
  <form method="post" action="${path}/settings" class="stack" novalidate>
    ${csrfField(frame.csrf)}
    ${field('name', 'Name', view.form.name, view.errors, 'text')}
    ${field('redirectUris', 'Redirect URIs', view.form.redirectUris, view.errors, 'lines', 'One per line. Where sign-ins may return to.')}
    ${field('logoutRedirectUris', 'Logout redirect URIs', view.form.logoutRedirectUris, view.errors, 'lines', 'One per line. The only places a logout may redirect to, matched exactly.')}
    ${field('backchannelLogoutUri', 'Back-channel logout URI', view.form.backchannelLogoutUri, view.errors, 'text', 'Optional. Where Signoff posts a logout token when a session in this app ends.')}
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

// ---- bulk logout -----------------------------------------------------------------------------

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

// ---- deliveries ------------------------------------------------------------------------------

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export function deliveriesPage(
  frame: ConsoleFrame,
  view: {
    app: App;
    status: LogoutDelivery['status'] | null;
    deliveries: { totalCount: number; list: LogoutDelivery[] };
    users: ReadonlyMap<string, User>;
  },
) {
  const path = appPath(frame.pool.id, view.app.id);
  const { list, totalCount } = view.deliveries;
  return consolePage(
    frame,
    `Logout deliveries · ${view.app.name}`,
    html`<div class="page-head">
  <p class="muted small"><a href="${path}">${view.app.name}</a></p>
  <h1>Logout deliveries</h1>
  <p class="muted">Back-channel logout notices to ${view.app.backchannelLogoutUri ? html`<code>${view.app.backchannelLogoutUri}</code>` : 'this app (it has no back-channel URI now)'}, newest first. Failed ones can be sent again once the app is fixed.</p>
</div>
<section class="card" aria-labelledby="deliveries-title">
  <div class="section-head">
    <h2 id="deliveries-title">${totalCount === 1 ? '1 delivery' : `${totalCount} deliveries`}${view.status ? ` ${view.status}` : ''}</h2>
    <form method="get" action="${path}/deliveries" class="inline-form">
      <label for="status-filter">Status</label>
      <select id="status-filter" name="status" class="input">
        <option value="">All</option>
        ${DELIVERY_STATUSES.map((s) => html`<option value="${s}"${view.status === s ? html` selected` : null}>${s}</option>`)}
      </select>
      <button type="submit" class="button button-secondary">Filter</button>
    </form>
  </div>
  <form method="post" action="${path}/deliveries/replay">
    ${csrfField(frame.csrf)}
    ${
      list.length === 0
        ? html`<p class="empty">No deliveries${view.status ? ` with status ${view.status}` : ''}.</p>`
        : html`<div class="table-wrap"><table class="data">
      <thead><tr><th scope="col">Created</th><th scope="col">User</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Delivered</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${list.map((d) => {
          const user = view.users.get(d.userId);
          return html`<tr>
          <td>${when(d.createdAt)}</td>
          <td>${user ? html`<a href="${userPath(frame.pool.id, d.userId)}">${handleOf(user)}</a>` : html`<code>${d.userId}</code>`}</td>
          <td><span class="status status-${d.status}">${d.status}</span></td>
          <td>${d.attempts}</td>
          <td>${d.lastError ?? '—'}</td>
          <td>${d.deliveredAt ? when(d.deliveredAt) : '—'}</td>
          <td>${d.status === 'pending' ? null : html`<button type="submit" name="id" value="${d.id}" class="button button-secondary" aria-label="Retry delivery ${d.id}">Retry</button>`}</td>
        </tr>`;
        })}
      </tbody>
    </table></div>`
    }
    <div class="toolbar"><button type="submit" class="button button-primary">Retry all failed</button></div>
  </form>
</section>`,
  );
}

// ---- users -----------------------------------------------------------------------------------

export function usersPage(frame: ConsoleFrame, query: string, found: User[] | null) {
  const base = poolPath(frame.pool.id);
  return consolePage(
    frame,
    'Users',
    html`<div class="page-head"><h1>Users</h1></div>
<section class="card" aria-labelledby="search-title">
  <h2 id="search-title" class="visually-hidden">Search</h2>
  <form method="get" action="${base}/users" role="search" class="inline-form">
    <label for="user-query">Username or email</label>
    <input class="input" id="user-query" name="q" type="search" value="${query}" maxlength="254">
    <button type="submit" class="button button-primary">Search</button>
  </form>
  ${
    found === null
      ? html`<p class="muted small">Type part of a username or an email address.</p>`
      : found.length === 0
        ? html`<p class="empty">No user matches “${query}”.</p>`
        : html`<div class="table-wrap"><table class="data">
    <caption class="visually-hidden">Users matching ${query}</caption>
    <thead><tr><th scope="col">Username</th><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Created</th></tr></thead>
    <tbody>${found.map(
      (u) => html`<tr>
      <td><a href="${userPath(frame.pool.id, u.id)}">${u.username ?? handleOf(u)}</a></td>
      <td>${u.email ?? '—'}</td><td>${u.name ?? '—'}</td><td>${when(u.createdAt)}</td>
    </tr>`,
    )}</tbody>
  </table></div>`
  }
</section>`,
  );
}

export function userPage(
  frame: ConsoleFrame,
  view: { user: User; sessions: SessionWithApps[]; appNames: ReadonlyMap<string, string> },
) {
  const path = userPath(frame.pool.id, view.user.id);
  const live = view.sessions.filter((s) => s.endedAt === null);
  const appsOf = (s: SessionWithApps) =>
    [
      ...new Set(
        s.apps.filter((a) => a.endedAt === null).map((a) => view.appNames.get(a.appId) ?? 'Removed app'),
      ),
    ].join(', ') || 'None';
  return consolePage(
    frame,
    handleOf(view.user),
    html`<div class="page-head">
  <p class="muted small"><a href="${poolPath(frame.pool.id)}/users">Users</a></p>
  <h1>${view.user.name ?? handleOf(view.user)}</h1>
  <dl class="facts">
    ${view.user.username ? html`<div><dt>Username</dt><dd>${view.user.username}</dd></div>` : null}
    ${view.user.email ? html`<div><dt>Email</dt><dd>${view.user.email}</dd></div>` : null}
    <div><dt>User ID</dt><dd><code>${view.user.id}</code></dd></div>
  </dl>
</div>
<section class="card" aria-labelledby="sessions-title">
  <div class="section-head">
    <h2 id="sessions-title">Sessions</h2>
    ${
      live.length > 0
        ? html`<form method="post" action="${path}/end-all">
      ${csrfField(frame.csrf)}
      <button type="submit" class="button button-danger">End all sessions</button>
    </form>`
        : null
    }
  </div>
  ${
    live.length === 0
      ? html`<p class="empty">This user is not signed in anywhere.</p>`
      : html`<div class="table-wrap"><table class="data">
    <thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Apps</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${live.map(
      (s) => html`<tr>
      <th scope="row">${deviceName(s)}</th><td>${s.ip ?? 'Unknown'}</td><td>${appsOf(s)}</td>
      <td>${when(s.createdAt)}</td><td>${when(s.lastActiveAt, formatAgo(s.lastActiveAt, frame.now))}</td>
      <td><form method="post" action="${path}/sessions/${encodeURIComponent(s.id)}/end">
        ${csrfField(frame.csrf)}
        <button type="submit" class="button button-danger" aria-label="End session ${deviceName(s)} from ${s.ip ?? 'unknown address'}">End session</button>
      </form></td>
    </tr>`,
    )}</tbody>
  </table></div>`
  }
</section>`,
  );
}

// ---- audit -----------------------------------------------------------------------------------

const REASONS: Record<string, string> = {
  user_logout: 'User logged out',
  user_logout_others: 'User logged out other devices',
  user_logout_global: 'User logged out everywhere',
  user_ended_session: 'User ended a session',
  app_logout: 'App logged the user out',
  admin_logout: 'Administrator ended',
  admin_kick: 'Administrator forced logout',
  expired: 'Expired',
};

export function auditPage(
  frame: ConsoleFrame,
  view: {
    page: number;
    pageSize: number;
    ends: { totalCount: number; list: SessionEndRecord[] };
    appNames: ReadonlyMap<string, string>;
  },
) {
  const base = `${poolPath(frame.pool.id)}/audit`;
  const pages = Math.max(1, Math.ceil(view.ends.totalCount / view.pageSize));
  const pager: Markup = html`<nav class="pager" aria-label="Audit pages">
  <span class="muted small">Page ${view.page} of ${pages}</span>
  ${view.page > 1 ? html`<a href="${base}?page=${view.page - 1}">Newer</a>` : null}
  ${view.page < pages ? html`<a href="${base}?page=${view.page + 1}">Older</a>` : null}
</nav>`;
  return consolePage(
    frame,
    'Audit',
    html`<div class="page-head"><h1>Audit</h1><p class="muted">Every session end in ${frame.pool.name}, newest first: when, why, who, and what ended.</p></div>
<section class="card" aria-labelledby="audit-title">
  <h2 id="audit-title">Session ends</h2>
  ${
    view.ends.list.length === 0
      ? html`<p class="empty">No session has ended yet.</p>`
      : html`<div class="table-wrap"><table class="data">
    <thead><tr><th scope="col">When</th><th scope="col">Reason</th><th scope="col">Actor</th><th scope="col">Sessions</th><th scope="col">Apps</th></tr></thead>
    <tbody>${view.ends.list.map(
      (r) => html`<tr>
      <td>${when(r.at)}</td>
      <td>${REASONS[r.reason] ?? r.reason} <span class="muted small">(${r.reason})</span></td>
      <td>${r.actor.type}${r.actor.id ? html`: <span class="actor">${r.actor.id}</span>` : null}</td>
      <td>${r.sessions}</td>
      <td>${r.apps.length === 0 ? 'Whole sessions' : r.apps.map((id) => view.appNames.get(id) ?? id).join(', ')}</td>
    </tr>`,
    )}</tbody>
  </table></div>`
  }
  ${pager}
</section>`,
  );
}
