// An application's back-channel logout deliveries, newest first, filtered by status, with a
// Retry for each one that is not pending and one for every failed one.
import type { App, LogoutDelivery, User } from '../../../domain/model.ts';
import { html } from '../html.ts';
import { csrfField, handleOf } from '../layout.ts';
import { appPath, type ConsoleFrame, consolePage, userPath, when } from './console-layout.ts';

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
      <thead><tr><th scope="col">Created</th><th scope="col">User</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th><th scope="col">Delivered</th><th scope="col" class="col-action"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${list.map((d) => {
          const user = view.users.get(d.userId);
          return html`<tr>
          <td>${when(d.createdAt, frame.timeZone)}</td>
          <td>${user ? html`<a href="${userPath(frame.pool.id, d.userId)}">${handleOf(user)}</a>` : html`<code>${d.userId}</code>`}</td>
          <td><span class="status status-${d.status}">${d.status}</span></td>
          <td class="num">${d.attempts}</td>
          <td>${d.lastError ?? '—'}</td>
          <td>${d.deliveredAt ? when(d.deliveredAt, frame.timeZone) : '—'}</td>
          <td class="col-action">${d.status === 'pending' ? null : html`<button type="submit" name="id" value="${d.id}" class="button button-secondary" aria-label="Retry delivery ${d.id}">Retry</button>`}</td>
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
