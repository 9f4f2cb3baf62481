// The personal center (/u): who you are, and every device where you are signed in, each with
// the apps it is signed in to and a way to end it.
import type { SessionWithApps, User } from '../../domain/model.ts';
import { deviceName, formatAgo, formatTime } from './formats.ts';
import { html } from './html.ts';
import { icons } from './icons.ts';
import { type Account, csrfField, displayNameOf, initialOf, layout } from './layout.ts';

export interface PersonalCenterView {
  account: Account;
  currentSessionId: string;
  sessions: SessionWithApps[];
  /** App id → name, for the apps each session is signed in to. */
  appNames: ReadonlyMap<string, string>;
  now: number;
  notice: string | null;
}

const when = (ms: number, text: string) =>
  html`<time datetime="${new Date(ms).toISOString()}" title="${formatTime(ms)}">${text}</time>`;

function deviceIcon(session: SessionWithApps) {
  if (session.device.platform === 'mobile') return icons.mobile;
  if (session.device.platform === 'tablet') return icons.tablet;
  return icons.desktop;
}

function appsOf(session: SessionWithApps, appNames: ReadonlyMap<string, string>): string {
  const names = [
    ...new Set(
      session.apps.filter((a) => a.endedAt === null).map((a) => appNames.get(a.appId) ?? 'Removed app'),
    ),
  ];
  return names.length > 0 ? names.join(', ') : 'None yet';
}

function sessionItem(view: PersonalCenterView, session: SessionWithApps) {
  const current = session.id === view.currentSessionId;
  const headingId = `session-${session.id}`;
  return html`<li class="session${current ? ' current' : ''}" aria-labelledby="${headingId}">
  <div class="device-icon">${deviceIcon(session)}</div>
  <div class="session-body">
    <div class="session-title"><h3 id="${headingId}">${deviceName(session)}</h3>${current ? html`<span class="badge">This device</span>` : null}</div>
    <dl class="session-facts">
      <div><dt>IP address</dt><dd>${session.ip ?? 'Unknown'}</dd></div>
      <div><dt>Signed in</dt><dd>${when(session.createdAt, formatTime(session.createdAt))}</dd></div>
      <div><dt>Apps</dt><dd>${appsOf(session, view.appNames)}</dd></div>
      <div><dt>Last active</dt><dd>${current ? 'Now' : when(session.lastActiveAt, formatAgo(session.lastActiveAt, view.now))}</dd></div>
    </dl>
  </div>
  ${
    // This device is ended with Log out in the account menu, which also clears its cookies.
    current
      ? null
      : html`<form method="post" action="/u/sessions/${session.id}/end">
    ${csrfField(view.account.csrf)}
    <button type="submit" class="button button-danger">End session</button>
  </form>`
  }
</li>`;
}

function profile(user: User) {
  return html`<section class="card profile" aria-labelledby="profile-name">
  <span class="avatar avatar-lg" aria-hidden="true">${initialOf(user)}</span>
  <div class="profile-text">
    <h1 id="profile-name">${displayNameOf(user)}</h1>
    <dl class="facts">
      ${user.username ? html`<div><dt>Username</dt><dd>${user.username}</dd></div>` : null}
      ${user.email ? html`<div><dt>Email</dt><dd>${user.email}</dd></div>` : null}
    </dl>
  </div>
</section>`;
}

export function personalCenterPage(view: PersonalCenterView) {
  const { user } = view.account;
  // This device first, then the most recently used.
  const sessions = [...view.sessions].sort((a, b) =>
    a.id === view.currentSessionId
      ? -1
      : b.id === view.currentSessionId
        ? 1
        : b.lastActiveAt - a.lastActiveAt,
  );
  const others = sessions.filter((s) => s.id !== view.currentSessionId).length;
  return layout({
    title: 'Your account',
    account: view.account,
    main: html`${view.notice ? html`<div class="alert success" role="status">${icons.check}<p>${view.notice}</p></div>` : null}
${profile(user)}
<section class="card" aria-labelledby="sessions-title">
  <div class="section-head">
    <div>
      <h2 id="sessions-title">Where you're signed in</h2>
      <p class="muted small">Each device or browser with a live session. Ending a session signs that device out of every app at once.</p>
    </div>
    ${
      others > 0
        ? html`<form method="post" action="/u/sessions/end-others">
      ${csrfField(view.account.csrf)}
      <button type="submit" class="button button-secondary">${icons.logOut}Log out other devices</button>
    </form>`
        : null
    }
  </div>
  <ul class="sessions" role="list">
    ${sessions.map((s) => sessionItem(view, s))}
  </ul>
</section>`,
  });
}
