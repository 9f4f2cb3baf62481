// The applications of a pool, and the form that creates one (its secret shown once).
import type { App } from '../../../domain/model.ts';
import { html } from '../html.ts';
import { csrfField } from '../layout.ts';
import { secretCard } from './app-settings-view.ts';
import { appPath, type ConsoleFrame, consolePage, poolPath, when } from './console-layout.ts';

export function appsPage(frame: ConsoleFrame, apps: App[], created: { app: App; secret: string } | null) {
  const base = poolPath(frame.pool.id);
  return consolePage(
    frame,
    'Applications',
    html`<div class="page-head"><h1>Applications</h1><p class="muted">The applications of ${frame.pool.name}: open one for its Login status, settings and logout deliveries.</p></div>
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
        <td>${when(a.createdAt, frame.timeZone)}</td>
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
