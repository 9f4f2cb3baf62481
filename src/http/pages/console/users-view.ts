// Users of a pool: the search, and a user's page with their live sessions, each of which can
// be ended, or all at once.
import type { SessionWithApps, User } from '../../../domain/model.ts';
import { deviceName, formatAgo } from '../formats.ts';
import { html } from '../html.ts';
import { csrfField, handleOf } from '../layout.ts';
import { type ConsoleFrame, consolePage, poolPath, userPath, when } from './console-layout.ts';

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
