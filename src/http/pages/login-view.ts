// The hosted sign-in page.

import type { User } from '../../domain/model.ts';
import { retryIn } from './formats.ts';
import { html } from './html.ts';
import { icons } from './icons.ts';
import { csrfField, handleOf, layout } from './layout.ts';

export type LoginProblem =
  | { kind: 'credentials' }
  | { kind: 'throttled'; retryAt: number; now: number }
  | { kind: 'missing' };

export interface LoginView {
  csrf: string;
  returnTo: string;
  /** The `pool` parameter to carry through the post, when the page was opened with one. */
  pool: string | null;
  /** Prefilled account (after an error, or the signed-in user under prompt=login). */
  account: string;
  problem: LoginProblem | null;
  /** prompt=login with a live session: whose it is. */
  reauthenticating: User | null;
  /** An OIDC sign-in: an app is waiting for the result. */
  forApp: boolean;
  /** Where to create an account, when the pool takes sign-ups (null: no link). */
  signUpHref: string | null;
}

function problemText(problem: LoginProblem): string {
  switch (problem.kind) {
    case 'credentials':
      // Never says which of the two was wrong: that would tell a guesser which accounts exist.
      return 'The account or password is incorrect. Check them and try again.';
    case 'throttled':
      return `Too many unsuccessful sign-in attempts. For your security, try again ${retryIn(problem.retryAt, problem.now)}.`;
    case 'missing':
      return 'Enter your username or email and your password.';
  }
}

export function loginPage(view: LoginView) {
  const problem = view.problem ? problemText(view.problem) : null;
  const invalid = view.problem?.kind === 'credentials' || view.problem?.kind === 'missing';
  const subtitle = view.reauthenticating
    ? html`You are signed in as <strong>${handleOf(view.reauthenticating)}</strong>. Enter your password again to continue.`
    : view.forApp
      ? 'Use your account to continue to the application.'
      : 'Use your account to continue.';
  return layout({
    title: 'Sign in',
    narrow: true,
    main: html`<div class="card card-lg stack">
  <div class="stack">
    <h1>Sign in</h1>
    <p class="lead">${subtitle}</p>
  </div>
  ${problem ? html`<div class="alert" role="alert" id="login-error">${icons.alert}<p>${problem}</p></div>` : null}
  <form method="post" action="/login" class="stack" novalidate>
    ${csrfField(view.csrf)}
    <input type="hidden" name="return_to" value="${view.returnTo}">
    ${view.pool ? html`<input type="hidden" name="pool" value="${view.pool}">` : null}
    <div class="field">
      <label for="account">Username or email</label>
      <input class="input" id="account" name="account" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="254" value="${view.account}"${invalid ? html` aria-invalid="true" aria-describedby="login-error"` : null}${view.account ? null : html` autofocus`}>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input class="input" id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"${invalid ? html` aria-invalid="true" aria-describedby="login-error"` : null}${view.account ? html` autofocus` : null}>
    </div>
    <button type="submit" class="button button-primary button-block">Sign in</button>
  </form>
  ${view.signUpHref ? html`<p class="muted center">New here? <a href="${view.signUpHref}">Create an account</a></p>` : null}
</div>`,
  });
}
