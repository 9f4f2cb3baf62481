// The users of a pool: a page of them (newest first) or those matching a search, with paging,
// the form that creates one, and whether people may sign up on their own (/signup).
import type { User } from '../../../domain/model.ts';
import type { ProfileProblems } from '../../../domain/user-directory/user-directory.ts';
import { html } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField, handleOf } from '../layout.ts';
import { type ConsoleFrame, consolePage, pager, poolPath, userPath, when } from './console-layout.ts';
import { field } from './form-fields.ts';

export interface NewUserForm {
  username: string;
  email: string;
  name: string;
}

export interface UsersView {
  query: string;
  page: number;
  pageSize: number;
  users: { totalCount: number; list: User[] };
  form: NewUserForm;
  errors: ProfileProblems;
}

/** "The username must …": a problem said of its field. */
export const problemText = (label: string, problem: string | undefined) =>
  problem ? `The ${label} ${problem}.` : undefined;

function createUserSection(frame: ConsoleFrame, view: UsersView) {
  const { form, errors } = view;
  return html`<section class="card" aria-labelledby="create-user-title">
  <h2 id="create-user-title">Create a user</h2>
  <p class="muted small">A username, an email or both: the user signs in with either. Tell them their password; they can change it in their account.</p>
  ${Object.keys(errors).length > 0 ? html`<div class="alert" role="alert">${icons.alert}<p>The user was not created. Check the fields below.</p></div>` : null}
  <form method="post" action="${poolPath(frame.pool.id)}/users" class="form-grid" novalidate>
    ${csrfField(frame.csrf)}
    ${field({ id: 'new-username', name: 'username', label: 'Username', value: form.username, error: problemText('username', errors.username), autocomplete: 'off', maxlength: 100 })}
    ${field({ id: 'new-email', name: 'email', label: 'Email', value: form.email, error: problemText('email', errors.email), kind: 'email', autocomplete: 'off', maxlength: 254 })}
    ${field({ id: 'new-name', name: 'name', label: 'Name (optional)', value: form.name, error: problemText('name', errors.name), autocomplete: 'off', maxlength: 200 })}
    ${field({ id: 'new-password', name: 'password', label: 'Password', value: '', error: problemText('password', errors.password), kind: 'password', autocomplete: 'new-password', hint: 'At least 8 characters.' })}
    <div class="form-actions"><button type="submit" class="button button-primary">Create user</button></div>
  </form>
</section>`;
}

function signUpSection(frame: ConsoleFrame) {
  const on = frame.pool.signUpEnabled;
  return html`<section class="card" aria-labelledby="sign-up-title">
  <h2 id="sign-up-title">Self sign-up</h2>
  <p>${on ? html`<strong>On.</strong> Anyone can create an account in ${frame.pool.name} at <a href="/signup">/signup</a> (and <code>POST /api/v2/register/email</code>); the sign-in page links to it.` : html`<strong>Off.</strong> Only you create accounts, here or through the API.`}</p>
  <form method="post" action="${poolPath(frame.pool.id)}/sign-up" class="toolbar">
    ${csrfField(frame.csrf)}
    <input type="hidden" name="enabled" value="${on ? 'off' : 'on'}">
    <button type="submit" class="button button-secondary">${on ? 'Turn sign-up off' : 'Turn sign-up on'}</button>
    <span class="muted small">${on ? 'Accounts already made stay.' : 'No email check yet: any address can be registered by whoever types it.'}</span>
  </form>
</section>`;
}

export function usersPage(frame: ConsoleFrame, view: UsersView) {
  const base = `${poolPath(frame.pool.id)}/users`;
  const { query, users } = view;
  const pages = Math.max(1, Math.ceil(users.totalCount / view.pageSize));
  const q = query === '' ? '' : `q=${encodeURIComponent(query)}&`;
  const heading =
    query === ''
      ? `${users.totalCount === 1 ? '1 user' : `${users.totalCount} users`}, newest first`
      : `${users.totalCount === 1 ? '1 user matches' : `${users.totalCount} users match`} “${query}”`;
  return consolePage(
    frame,
    'Users',
    html`<div class="page-head"><h1>Users</h1><p class="muted">The users of ${frame.pool.name}: open one to see their sessions, edit or delete them.</p></div>
<section class="card" aria-labelledby="users-title">
  <div class="section-head">
    <h2 id="users-title">${heading}</h2>
    <form method="get" action="${base}" role="search" class="inline-form">
      <label for="user-query">Username or email</label>
      <input class="input" id="user-query" name="q" type="search" value="${query}" maxlength="254">
      <button type="submit" class="button button-secondary">Search</button>
      ${query === '' ? null : html`<a href="${base}">Show all</a>`}
    </form>
  </div>
  ${
    users.list.length === 0
      ? html`<p class="empty">${query === '' ? 'This pool has no users yet.' : `No user matches “${query}”.`}</p>`
      : html`<div class="table-wrap"><table class="data">
    <caption class="visually-hidden">${heading}</caption>
    <thead><tr><th scope="col">Username</th><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Created</th></tr></thead>
    <tbody>${users.list.map(
      (u) => html`<tr>
      <th scope="row"><a class="handle" href="${userPath(frame.pool.id, u.id)}">${u.username ?? handleOf(u)}</a></th>
      <td class="nowrap">${u.email ?? '—'}</td><td>${u.name ?? '—'}</td><td class="col-time">${when(u.createdAt, frame.timeZone)}</td>
    </tr>`,
    )}</tbody>
  </table></div>`
  }
  ${pager({ label: 'User pages', page: view.page, pages, href: (p) => `${base}?${q}page=${p}` })}
</section>
${createUserSection(frame, view)}
${signUpSection(frame)}`,
  );
}
