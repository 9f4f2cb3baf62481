// The audit trail of a pool: every session end with when, why, who and what, a page at a time.
import type { SessionEndRecord } from '../../../domain/model.ts';
import { html, type Markup } from '../html.ts';
import { type ConsoleFrame, consolePage, poolPath, when } from './console-layout.ts';

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
