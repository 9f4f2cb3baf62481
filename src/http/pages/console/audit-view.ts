// The audit trail of a pool: every session end with when, why, who did it, who was logged out
// and from which apps, a page at a time. Ids are named — users by username or email, apps by
// name — and shown as ids only when their record is gone.
import type { TrailApp, TrailEntry } from '../../../domain/audit/audit.ts';
import type { UserName } from '../../../store/store.ts';
import { html } from '../html.ts';
import { counted } from './confirm-view.ts';
import {
  appPath,
  type ConsoleFrame,
  consolePage,
  pager,
  poolPath,
  userPath,
  when,
} from './console-layout.ts';

const REASONS: Record<string, string> = {
  user_logout: 'User logged out',
  user_logout_others: 'User logged out other devices',
  user_logout_global: 'User logged out everywhere',
  user_ended_session: 'User ended a session',
  app_logout: 'App logged the user out',
  admin_logout: 'Administrator ended',
  admin_kick: 'Administrator forced logout',
  user_deleted: 'User deleted',
  app_deleted: 'App deleted',
  password_changed: 'User changed their password',
  admin_password_reset: 'Administrator set a new password',
  expired: 'Expired',
};

// Administrators' actor ids that name a tool rather than a person.
const TOOLS: Record<string, string> = { 'management-api': 'the management API', cli: 'the signoff CLI' };

function userLink(poolId: string, u: UserName) {
  const handle = u.username ?? u.email ?? u.name;
  if (!handle) return html`<code class="id">${u.id}</code>`;
  if (u.deleted)
    return html`<span class="handle">${handle}</span> <span class="muted small">(deleted)</span>`;
  return html`<a class="handle" href="${userPath(poolId, u.id)}">${handle}</a>`;
}

function appLink(poolId: string, a: TrailApp) {
  if (a.name === null) return html`<code class="id">${a.id}</code>`;
  if (a.deleted) return html`<span>${a.name}</span> <span class="muted small">(deleted)</span>`;
  return html`<a href="${appPath(poolId, a.id)}">${a.name}</a>`;
}

/** Items separated by commas. */
const joined = (items: ReturnType<typeof html>[]) =>
  items.flatMap((item, i) => (i === 0 ? [item] : [html`, `, item]));

function actorCell(poolId: string, e: TrailEntry) {
  const { actor } = e.record;
  if (actor.type === 'admin') {
    const tool = actor.id ? TOOLS[actor.id] : undefined;
    return html`${tool ?? actor.id ?? 'An administrator'}<span class="muted small block">${tool ? 'administrator, through' : 'administrator'}</span>`;
  }
  if (actor.type === 'user' && e.actor.user)
    return html`${userLink(poolId, e.actor.user)}<span class="muted small block">the user</span>`;
  if (actor.type === 'app' && e.actor.app)
    return html`${appLink(poolId, e.actor.app)}<span class="muted small block">an app</span>`;
  if (actor.type === 'system') return html`Signoff<span class="muted small block">the expiry sweep</span>`;
  return html`${actor.type}${actor.id ? html` <code class="id">${actor.id}</code>` : null}`;
}

function endedCell(poolId: string, e: TrailEntry) {
  const more = e.moreUsers > 0 ? html` and ${counted(e.moreUsers, 'more user', 'more users')}` : null;
  const others = e.complete ? null : html` and others`;
  const who =
    e.users.length === 0
      ? html`<span class="muted">—</span>`
      : joined(e.users.map((u) => userLink(poolId, u)));
  return html`${who}${more}${others}<span class="muted small block">${counted(e.record.sessions, 'session')}</span>`;
}

export function auditPage(
  frame: ConsoleFrame,
  view: { page: number; pageSize: number; trail: { totalCount: number; list: TrailEntry[] } },
) {
  const poolId = frame.pool.id;
  const base = `${poolPath(poolId)}/audit`;
  const pages = Math.max(1, Math.ceil(view.trail.totalCount / view.pageSize));
  return consolePage(
    frame,
    'Audit',
    html`<div class="page-head"><h1>Audit</h1><p class="muted">Every session end in ${frame.pool.name}, newest first: when, why, who did it, who was logged out, and from which apps.</p></div>
<section class="card" aria-labelledby="audit-title">
  <h2 id="audit-title">Session ends</h2>
  ${
    view.trail.list.length === 0
      ? html`<p class="empty">No session has ended yet.</p>`
      : html`<div class="table-wrap"><table class="data audit-table">
    <caption class="visually-hidden">Session ends, newest first</caption>
    <thead><tr><th scope="col">When</th><th scope="col">Reason</th><th scope="col">By</th><th scope="col">Logged out</th><th scope="col">Apps</th></tr></thead>
    <tbody>${view.trail.list.map(
      (e) => html`<tr>
      <td class="col-time">${when(e.record.at, frame.timeZone)}</td>
      <td>${REASONS[e.record.reason] ?? e.record.reason}<span class="muted small block"><code>${e.record.reason}</code></span></td>
      <td>${actorCell(poolId, e)}</td>
      <td class="col-wide">${endedCell(poolId, e)}</td>
      <td>${e.apps.length === 0 ? html`Whole sessions<span class="muted small block">every app</span>` : joined(e.apps.map((a) => appLink(poolId, a)))}</td>
    </tr>`,
    )}</tbody>
  </table></div>`
  }
  ${pager({ label: 'Audit pages', page: view.page, pages, href: (p) => `${base}?page=${p}`, previous: 'Newer', next: 'Older' })}
</section>`,
  );
}
