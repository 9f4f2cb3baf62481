// What every console page shares: the document shell with the console's own header (pool
// switcher, the signed-in administrator, Sign out — it wraps under the brand on a narrow
// screen, and spans the width the body does), the per-pool navigation, the notice box, the
// pager, and the paths pages link each other by. The hosted pages' rules hold here too: no
// script, real forms, buttons, labels and tables with headers.
import type { Admin, Pool } from '../../../domain/model.ts';
import { formatTime } from '../formats.ts';
import { html, type Renderable } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField, documentShell } from '../layout.ts';

/** The navigation entry a page is under. */
export type ConsoleSection = 'dashboard' | 'apps' | 'users' | 'audit';

/** What the layout of a signed-in page needs: who, which pool, the forms' CSRF token, a notice. */
export interface ConsoleFrame {
  admin: Admin;
  csrf: string;
  pools: Pool[];
  pool: Pool;
  section: ConsoleSection;
  now: number;
  notice?: string | null;
  /** The reader's time zone (time-zone.ts): every time on the page is written in it. */
  timeZone: string;
  /** This page's path and query, for the way back from the time zone page. */
  path: string;
}

export const poolPath = (poolId: string) => `/console/pools/${encodeURIComponent(poolId)}`;
export const appPath = (poolId: string, appId: string) =>
  `${poolPath(poolId)}/apps/${encodeURIComponent(appId)}`;
export const userPath = (poolId: string, userId: string) =>
  `${poolPath(poolId)}/users/${encodeURIComponent(userId)}`;

/**
 * A time, readable, with the exact instant as a tooltip and for machines. It may wrap only
 * after its commas ("3 May 2026," / "14:05 UTC"), never inside the date or the hour.
 */
export const when = (ms: number, timeZone: string, text = formatTime(ms, timeZone)) => {
  const parts = text.split(', ');
  return html`<time datetime="${new Date(ms).toISOString()}" title="${formatTime(ms, timeZone)}">${parts.map((p, i) => html`${i > 0 ? ', ' : ''}<span class="nowrap">${p}</span>`)}</time>`;
};

/** The console's document: its brand, its title suffix and footer; the header is the page's. */
export function consoleShell(input: {
  title: string;
  header: Renderable;
  main: Renderable;
  refreshSeconds?: number;
  footer?: Renderable;
}) {
  return documentShell({
    title: `${input.title} · Signoff console`,
    brand: { href: '/console', tag: 'Console' },
    header: input.header,
    body: input.main,
    footer: input.footer ?? 'Signoff administrator console',
    refreshSeconds: input.refreshSeconds,
    bodyClass: 'console-body',
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
  <div class="console-account">
    <span class="console-admin muted small" title="${frame.admin.email}">${frame.admin.email}</span>
    <form method="post" action="/console/logout">
      ${csrfField(frame.csrf)}
      <button type="submit" class="button button-secondary">${icons.logOut}Sign out</button>
    </form>
  </div>
</div>`;
}

function nav(frame: ConsoleFrame) {
  const base = poolPath(frame.pool.id);
  const item = (section: ConsoleSection, href: string, label: string) =>
    html`<li><a href="${href}"${frame.section === section ? html` aria-current="page"` : null}>${label}</a></li>`;
  return html`<nav class="console-nav" aria-label="Console">
  <ul role="list">
    ${item('dashboard', base, 'Dashboard')}
    ${item('apps', `${base}/apps`, 'Applications')}
    ${item('users', `${base}/users`, 'Users')}
    ${item('audit', `${base}/audit`, 'Audit')}
  </ul>
</nav>`;
}

/** "Page 2 of 5" with Previous and Next links; `href` makes a page's address. */
export function pager(input: {
  label: string;
  page: number;
  pages: number;
  href: (page: number) => string;
  previous?: string;
  next?: string;
}) {
  if (input.pages <= 1) return null;
  return html`<nav class="pager" aria-label="${input.label}">
  <span class="muted small">Page ${input.page} of ${input.pages}</span>
  ${input.page > 1 ? html`<a href="${input.href(input.page - 1)}">${input.previous ?? 'Previous'}</a>` : null}
  ${input.page < input.pages ? html`<a href="${input.href(input.page + 1)}">${input.next ?? 'Next'}</a>` : null}
</nav>`;
}

const noticeBox = (notice: string | null | undefined) =>
  notice ? html`<div class="alert success" role="status">${icons.check}<p>${notice}</p></div>` : null;

/** A signed-in console page: header, navigation, the notice if any, then the page's body. */
export function consolePage(
  frame: ConsoleFrame,
  title: string,
  body: Renderable,
  options: { refreshSeconds?: number } = {},
) {
  return consoleShell({
    title,
    header: consoleHeader(frame),
    footer: html`Signoff administrator console · Times in <strong>${frame.timeZone}</strong> · <a href="/console/time-zone?back=${encodeURIComponent(frame.path)}">Change</a>`,
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

/** A console page that says one thing (not found, form expired) with a way back. */
export function consoleMessagePage(title: string, text: string, back: { href: string; label: string }) {
  return consoleShell({
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
