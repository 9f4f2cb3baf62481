// The hosted sign-up page: the sign-in page's look, for a pool that takes sign-ups.
import { retryIn } from './formats.ts';
import { html } from './html.ts';
import { icons } from './icons.ts';
import { csrfField, layout } from './layout.ts';

export type SignUpInputField = 'email' | 'name' | 'password' | 'confirm';

export type SignUpProblem =
  /** A field is empty or breaks a rule: the message says which and why. */
  | { kind: 'field'; fields: SignUpInputField[]; message: string }
  | { kind: 'exists' }
  | { kind: 'throttled'; retryAt: number; now: number };

export interface SignUpView {
  csrf: string;
  returnTo: string;
  /** The `pool` parameter to carry through the post, when the page was opened with one. */
  pool: string | null;
  /** What was typed, given back after a problem (never the password). */
  email: string;
  name: string;
  problem: SignUpProblem | null;
  /** The sign-in page for the same pool and return_to. */
  signInHref: string;
  /** An OIDC sign-in: an app is waiting for the result. */
  forApp: boolean;
}

export function signUpPage(view: SignUpView) {
  const { problem } = view;
  const invalid = (field: SignUpInputField) =>
    (problem?.kind === 'field' && problem.fields.includes(field)) ||
    (problem?.kind === 'exists' && field === 'email')
      ? html` aria-invalid="true" aria-describedby="signup-error"`
      : null;
  const message =
    problem === null
      ? null
      : problem.kind === 'field'
        ? problem.message
        : problem.kind === 'exists'
          ? html`An account with this email already exists — <a href="${view.signInHref}">sign in instead</a>.`
          : `Too many sign-ups from this network. For your security, try again ${retryIn(problem.retryAt, problem.now)}.`;
  return layout({
    title: 'Create an account',
    narrow: true,
    main: html`<div class="card card-lg stack">
  <div class="stack">
    <h1>Create an account</h1>
    <p class="lead">${view.forApp ? 'Create your account to continue to the application.' : 'Create your account to continue.'}</p>
  </div>
  ${message ? html`<div class="alert" role="alert" id="signup-error">${icons.alert}<p>${message}</p></div>` : null}
  <form method="post" action="/signup" class="stack" novalidate>
    ${csrfField(view.csrf)}
    <input type="hidden" name="return_to" value="${view.returnTo}">
    ${view.pool ? html`<input type="hidden" name="pool" value="${view.pool}">` : null}
    <div class="field">
      <label for="email">Email</label>
      <input class="input" id="email" name="email" type="email" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="254" value="${view.email}"${invalid('email')}${view.email ? null : html` autofocus`}>
    </div>
    <div class="field">
      <label for="name">Name <span class="muted small">(optional)</span></label>
      <input class="input" id="name" name="name" type="text" autocomplete="name" maxlength="200" value="${view.name}"${invalid('name')}>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input class="input" id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="256" aria-describedby="password-hint${invalid('password') ? ' signup-error' : ''}"${invalid('password') ? html` aria-invalid="true"` : null}${view.email ? html` autofocus` : null}>
      <p class="muted small" id="password-hint">At least 8 characters.</p>
    </div>
    <div class="field">
      <label for="confirm-password">Confirm password</label>
      <input class="input" id="confirm-password" name="confirm_password" type="password" autocomplete="new-password" required minlength="8" maxlength="256"${invalid('confirm')}>
    </div>
    <button type="submit" class="button button-primary button-block">Create account</button>
  </form>
  <p class="muted center">Already have an account? <a href="${view.signInHref}">Sign in</a></p>
</div>`,
  });
}
