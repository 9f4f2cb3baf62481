// The console's sign-in page: email and password of an administrator, with why a sign-in failed.
import { html } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField } from '../layout.ts';
import { consoleShell } from './console-layout.ts';

export type ConsoleLoginProblem =
  | { kind: 'credentials' }
  | { kind: 'missing' }
  | { kind: 'throttled'; retryIn: string };

export function consoleLoginPage(view: { csrf: string; email: string; problem: ConsoleLoginProblem | null }) {
  const problem =
    view.problem?.kind === 'credentials'
      ? 'The email or password is incorrect.'
      : view.problem?.kind === 'missing'
        ? 'Enter your email and your password.'
        : view.problem?.kind === 'throttled'
          ? `Too many unsuccessful sign-in attempts. Try again ${view.problem.retryIn}.`
          : null;
  const invalid = view.problem !== null && view.problem.kind !== 'throttled';
  const described = invalid ? html` aria-invalid="true" aria-describedby="login-error"` : null;
  return consoleShell({
    title: 'Sign in',
    header: null,
    main: html`<main id="main" class="site-main narrow">
<div class="card card-lg stack">
  <div class="stack">
    <h1>Sign in to the console</h1>
    <p class="lead">For Signoff administrators.</p>
  </div>
  ${problem ? html`<div class="alert" role="alert" id="login-error">${icons.alert}<p>${problem}</p></div>` : null}
  <form method="post" action="/console/login" class="stack" novalidate>
    ${csrfField(view.csrf)}
    <div class="field">
      <label for="email">Email</label>
      <input class="input" id="email" name="email" type="email" autocomplete="username" spellcheck="false" required maxlength="254" value="${view.email}"${described}>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input class="input" id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"${described}>
    </div>
    <button type="submit" class="button button-primary button-block">Sign in</button>
  </form>
</div>
</main>`,
  });
}
