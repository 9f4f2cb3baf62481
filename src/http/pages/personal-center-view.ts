// The personal center (/u): who you are, every device where you are signed in (each with the
// apps it is signed in to and a way to end it), your password, and the time zone the page's
// times are written in.
import type { SessionWithApps, User } from '../../domain/model.ts';
import { type Confirmation, confirmCard } from './confirm-card.ts';
import { deviceName, formatAgo, formatTime, TIME_ZONES } from './formats.ts';
import { html } from './html.ts';
import { icons } from './icons.ts';
import { type Account, csrfField, displayNameOf, handleOf, initialOf, layout } from './layout.ts';

export type PasswordField = 'current' | 'new' | 'confirm';

/** The change-password form after a post that changed nothing: why, and what was checked. */
export interface PasswordFormState {
  problem: string;
  /** The fields the problem is about (marked invalid, described by the message). */
  fields: PasswordField[];
  /** The checkbox as it was posted. */
  logOutOthers: boolean;
}

export interface PersonalCenterView {
  account: Account;
  currentSessionId: string;
  sessions: SessionWithApps[];
  /** App id → name, for the apps each session is signed in to. */
  appNames: ReadonlyMap<string, string>;
  now: number;
  notice: string | null;
  /** The IANA zone times are written in (formats.ts timeZoneOf), UTC unless the reader chose one. */
  timeZone: string;
  /** Set when the change-password form comes back with a problem. */
  password?: PasswordFormState | null;
}

const when = (ms: number, text: string, timeZone: string) =>
  html`<time datetime="${new Date(ms).toISOString()}" title="${formatTime(ms, timeZone)}">${text}</time>`;

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
      <div><dt>Signed in</dt><dd>${when(session.createdAt, formatTime(session.createdAt, view.timeZone), view.timeZone)}</dd></div>
      <div><dt>Apps</dt><dd>${appsOf(session, view.appNames)}</dd></div>
      <div><dt>Last active</dt><dd>${current ? 'Now' : when(session.lastActiveAt, formatAgo(session.lastActiveAt, view.now, view.timeZone), view.timeZone)}</dd></div>
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

function passwordCard(view: PersonalCenterView) {
  const form = view.password ?? null;
  // A field is described by its hint and, when the problem is about it, by the message.
  const described = (field: PasswordField, hint: string | null) => {
    const ids = [hint, form?.fields.includes(field) ? 'password-error' : null].filter(Boolean).join(' ');
    return html`${form?.fields.includes(field) ? html` aria-invalid="true"` : null}${ids ? html` aria-describedby="${ids}"` : null}`;
  };
  const logOutOthers = form ? form.logOutOthers : true;
  return html`<section class="card stack" aria-labelledby="password-title">
  <div>
    <h2 id="password-title">Password</h2>
    <p class="muted small">If someone else may know your current password, change it and log out your other devices.</p>
  </div>
  ${form ? html`<div class="alert" role="alert" id="password-error">${icons.alert}<p>${form.problem}</p></div>` : null}
  <form method="post" action="/u/password" class="stack" novalidate>
    ${csrfField(view.account.csrf)}
    <input type="text" name="username" value="${handleOf(view.account.user)}" autocomplete="username" hidden>
    <div class="field">
      <label for="current-password">Current password</label>
      <input class="input" id="current-password" name="current_password" type="password" autocomplete="current-password" required maxlength="256"${described('current', null)}>
    </div>
    <div class="field">
      <label for="new-password">New password</label>
      <input class="input" id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="8" maxlength="256"${described('new', 'new-password-hint')}>
      <p class="muted small" id="new-password-hint">At least 8 characters.</p>
    </div>
    <div class="field">
      <label for="confirm-password">Confirm new password</label>
      <input class="input" id="confirm-password" name="confirm_password" type="password" autocomplete="new-password" required minlength="8" maxlength="256"${described('confirm', null)}>
    </div>
    <div class="field">
      ${
        // Sent whatever the box says, so that a post without the box at all (not this form)
        // is told apart from one with the box unticked, and keeps the default: log out.
        html`<input type="hidden" name="log_out_others" value="no">`
      }
      <label class="choice"><input type="checkbox" name="log_out_others" value="yes" aria-describedby="log-out-others-hint"${logOutOthers ? html` checked` : null}> <span>Log out my other devices</span></label>
      <p class="muted small" id="log-out-others-hint">Every other device and browser signed in as you is signed out of every app. This one stays signed in.</p>
    </div>
    <div><button type="submit" class="button button-primary">Change password</button></div>
  </form>
</section>`;
}

function timeZoneCard(view: PersonalCenterView) {
  // A zone the reader chose under another of its names (an alias) is offered as it is.
  const zones = TIME_ZONES.includes(view.timeZone) ? TIME_ZONES : [view.timeZone, ...TIME_ZONES];
  return html`<section class="card stack" aria-labelledby="time-zone-title">
  <div>
    <h2 id="time-zone-title">Time zone</h2>
    <p class="muted small">Times on these pages are shown in <strong>${view.timeZone}</strong>. This browser remembers your choice.</p>
  </div>
  <form method="post" action="/u/time-zone" class="inline-form">
    ${csrfField(view.account.csrf)}
    <div class="field">
      <label for="tz">Time zone</label>
      <select class="input" id="tz" name="tz">${zones.map(
        (zone) =>
          html`<option value="${zone}"${zone === view.timeZone ? html` selected` : null}>${zone}</option>`,
      )}</select>
    </div>
    <button type="submit" class="button button-secondary">Save time zone</button>
  </form>
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
</section>
${passwordCard(view)}
${timeZoneCard(view)}`,
  });
}

/** A personal-center action's confirmation (End session, Log out other devices), in /u's layout. */
export function personalConfirmPage(account: Account, confirmation: Confirmation) {
  return layout({ title: confirmation.title, account, main: confirmCard(confirmation, account.csrf) });
}

/** The sessions a confirmation will end: device, where from, since when, which apps. */
export function sessionList(
  sessions: readonly SessionWithApps[],
  appNames: ReadonlyMap<string, string>,
  timeZone: string,
) {
  return html`<ul class="confirm-list" role="list">
  ${sessions.map(
    (s) =>
      html`<li><strong>${deviceName(s)}</strong> · ${s.ip ?? 'unknown address'} · signed in ${formatTime(s.createdAt, timeZone)} · apps: ${appsOf(s, appNames)}</li>`,
  )}
</ul>`;
}
