// OIDC RP-Initiated Logout's confirmation page (asked when the app sent no ID token hint) and
// the messages of the OIDC surface, in the hosted pages' look.
import type { App } from '../../domain/model.ts';
import { html } from './html.ts';
import { icons } from './icons.ts';
import { csrfField, layout } from './layout.ts';
import { messagePage } from './message-views.ts';

export interface EndSessionConfirmView {
  app: Pick<App, 'name'> | null;
  /** The request's parameters, carried to the confirmation post. */
  fields: Record<string, string>;
  csrf: string;
  /** The app asked for a post-logout address it has not registered (it was dropped). */
  refusedRedirect: boolean;
  /** Where the form posts: the issuer's end-session confirmation. */
  action: string;
}

export function endSessionConfirmPage(view: EndSessionConfirmView) {
  return layout({
    title: 'Sign out?',
    narrow: true,
    main: html`<div class="card card-lg stack center">
  <div class="status-icon">${icons.logOut}</div>
  <h1>Sign out?</h1>
  <p class="lead">${view.app ? html`${view.app.name} asks to sign you out of Signoff on this device.` : 'Sign out of Signoff on this device?'}</p>
  ${
    view.refusedRedirect
      ? html`<div class="note" role="note"><p>The application asked to send you to an address that is not registered with Signoff, so you will not be redirected there.</p></div>`
      : null
  }
  <form method="post" action="${view.action}" class="stack">
    ${csrfField(view.csrf)}
    ${Object.entries(view.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    <button type="submit" class="button button-primary button-block">Sign out</button>
  </form>
  <p><a href="/u">Stay signed in</a></p>
</div>`,
  });
}

/** An OIDC request Signoff cannot continue; always with a way on. */
export const oidcProblemPage = (title: string, message: string) =>
  messagePage({
    title,
    tone: 'warning',
    body: html`<p class="lead">${message}</p>`,
    action: { href: '/u', label: 'Go to your account' },
  });
