// A user's page: who they are, their live sessions (End session, End all sessions), their
// profile (username, email, name), a new password, and deleting them. Each destructive button
// opens a confirmation first (confirm-view.ts); the password form says what it ends beside its
// button instead, since a confirmation page would have to carry the password on.
import type { SessionWithApps, User } from '../../../domain/model.ts';
import type { ProfileProblems } from '../../../domain/user-directory/user-directory.ts';
import { deviceName, formatAgo } from '../formats.ts';
import { html } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField, handleOf } from '../layout.ts';
import { type ConsoleFrame, consolePage, poolPath, userPath, when } from './console-layout.ts';
import { field } from './form-fields.ts';
import { problemText } from './users-view.ts';

export interface ProfileForm {
  username: string;
  email: string;
  name: string;
}

export const profileFormOf = (u: User): ProfileForm => ({
  username: u.username ?? '',
  email: u.email ?? '',
  name: u.name ?? '',
});

export interface UserView {
  user: User;
  sessions: SessionWithApps[];
  appNames: ReadonlyMap<string, string>;
  form: ProfileForm;
  errors: ProfileProblems;
  /** Why the last new password was refused (passwordProblem's words). */
  passwordError?: string;
}

/** The apps a session is signed in to now, by name. */
export const appsOfSession = (s: SessionWithApps, appNames: ReadonlyMap<string, string>) =>
  [
    ...new Set(s.apps.filter((a) => a.endedAt === null).map((a) => appNames.get(a.appId) ?? 'Removed app')),
  ].join(', ') || 'None';

function sessionsSection(frame: ConsoleFrame, view: UserView) {
  const path = userPath(frame.pool.id, view.user.id);
  const live = view.sessions.filter((s) => s.endedAt === null);
  return html`<section class="card" aria-labelledby="sessions-title">
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
    <caption class="visually-hidden">Live sessions of ${handleOf(view.user)}</caption>
    <thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Apps</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col" class="col-action"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${live.map(
      (s) => html`<tr>
      <th scope="row">${deviceName(s)}</th><td class="nowrap">${s.ip ?? 'Unknown'}</td><td>${appsOfSession(s, view.appNames)}</td>
      <td class="col-time">${when(s.createdAt, frame.timeZone)}</td><td class="nowrap">${when(s.lastActiveAt, frame.timeZone, formatAgo(s.lastActiveAt, frame.now, frame.timeZone))}</td>
      <td class="col-action"><form method="post" action="${path}/sessions/${encodeURIComponent(s.id)}/end">
        ${csrfField(frame.csrf)}
        <button type="submit" class="button button-danger" aria-label="End session ${deviceName(s)} from ${s.ip ?? 'unknown address'}">End session</button>
      </form></td>
    </tr>`,
    )}</tbody>
  </table></div>`
  }
</section>`;
}

function profileSection(frame: ConsoleFrame, view: UserView) {
  const { form, errors } = view;
  return html`<section class="card" aria-labelledby="profile-title">
  <h2 id="profile-title">Profile</h2>
  ${Object.keys(errors).length > 0 ? html`<div class="alert" role="alert">${icons.alert}<p>The profile was not saved. Check the fields below.</p></div>` : null}
  <form method="post" action="${userPath(frame.pool.id, view.user.id)}/profile" class="form-grid" novalidate>
    ${csrfField(frame.csrf)}
    ${field({ id: 'username', label: 'Username', value: form.username, error: problemText('username', errors.username), autocomplete: 'off', maxlength: 100 })}
    ${field({ id: 'email', label: 'Email', value: form.email, error: problemText('email', errors.email), kind: 'email', autocomplete: 'off', maxlength: 254 })}
    ${field({ id: 'name', label: 'Name', value: form.name, error: problemText('name', errors.name), autocomplete: 'off', maxlength: 200 })}
    <div class="form-actions"><button type="submit" class="button button-primary">Save profile</button></div>
  </form>
</section>`;
}

function passwordSection(frame: ConsoleFrame, view: UserView) {
  return html`<section class="card" aria-labelledby="password-title">
  <h2 id="password-title">Set a new password</h2>
  <form method="post" action="${userPath(frame.pool.id, view.user.id)}/password" class="form-grid" novalidate>
    ${csrfField(frame.csrf)}
    ${field({ id: 'new-password', name: 'password', label: 'New password', value: '', error: view.passwordError ? `The password ${view.passwordError}.` : undefined, hint: 'At least 8 characters. Give it to the user another way; they can change it in their personal center.', kind: 'password', autocomplete: 'new-password', maxlength: 256 })}
    <p class="muted small">Setting it ends all their sessions: every device is signed out of every app at once, and each app is notified.</p>
    <div class="field"><label class="choice"><input type="checkbox" name="keepSessions" value="on"> <span>Keep their sessions signed in<span class="muted small block">Only when you know who holds them: a password set because the account may be in someone else's hands should sign everyone out.</span></span></label></div>
    <div class="form-actions"><button type="submit" class="button button-primary">Set password</button></div>
  </form>
</section>`;
}

function deleteSection(frame: ConsoleFrame, user: User) {
  return html`<section class="card danger-zone" aria-labelledby="delete-user-title">
  <h2 id="delete-user-title">Delete this user</h2>
  <form method="post" action="${userPath(frame.pool.id, user.id)}/delete" class="toolbar">
    ${csrfField(frame.csrf)}
    <button type="submit" class="button button-danger">Delete user</button>
    <span class="muted small">Ends every session of ${handleOf(user)} and removes the account.</span>
  </form>
</section>`;
}

export function userPage(frame: ConsoleFrame, view: UserView) {
  const { user } = view;
  return consolePage(
    frame,
    handleOf(user),
    html`<div class="page-head">
  <p class="muted small"><a href="${poolPath(frame.pool.id)}/users">Users</a></p>
  <h1>${user.name ?? handleOf(user)}</h1>
  <dl class="facts">
    ${user.username ? html`<div><dt>Username</dt><dd>${user.username}</dd></div>` : null}
    ${user.email ? html`<div><dt>Email</dt><dd>${user.email}</dd></div>` : null}
    <div><dt>User ID</dt><dd><code>${user.id}</code></dd></div>
    <div><dt>Created</dt><dd>${when(user.createdAt, frame.timeZone)}</dd></div>
  </dl>
</div>
${sessionsSection(frame, view)}
${profileSection(frame, view)}
${passwordSection(frame, view)}
${deleteSection(frame, user)}`,
  );
}
