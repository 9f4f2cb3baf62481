// Pages that say one thing and offer a way on: signed out, and the error pages. None is a dead
// end: each has a link to where the person can continue.
import { html, type Renderable } from './html.ts';
import { icons } from './icons.ts';
import { layout } from './layout.ts';

export interface MessageView {
  title: string;
  tone: 'success' | 'warning';
  body: Renderable;
  action: { href: string; label: string };
}

export function messagePage(view: MessageView) {
  return layout({
    title: view.title,
    narrow: true,
    main: html`<div class="card card-lg stack center">
  <div class="status-icon${view.tone === 'warning' ? ' warning' : ''}">${view.tone === 'success' ? icons.check : icons.alert}</div>
  <h1>${view.title}</h1>
  ${view.body}
  <p><a class="button button-primary button-block" href="${view.action.href}">${view.action.label}</a></p>
</div>`,
  });
}

export interface SignedOutView {
  /** An app asked to be returned to an address it has not registered: say why we stayed. */
  refusedRedirect?: boolean;
  /** The request named an app Signoff does not know: say why there is no way back to it. */
  unknownApp?: boolean;
}

export function signedOutPage(view: SignedOutView = {}) {
  return messagePage({
    title: 'You are signed out',
    tone: 'success',
    body: html`<p class="lead">Your session on this device has ended. Apps you used with it will ask you to sign in again.</p>
  ${
    view.refusedRedirect
      ? html`<div class="note" role="note"><p>The application asked to send you to an address that is not registered with Signoff, so you were not redirected there.</p></div>`
      : view.unknownApp
        ? html`<div class="note" role="note"><p>The application that sent you here is not registered with Signoff, so you were not sent back to it.</p></div>`
        : null
  }`,
    action: { href: '/login', label: 'Sign in again' },
  });
}

export const formExpiredPage = (back: string) =>
  messagePage({
    title: 'This form has expired',
    tone: 'warning',
    body: html`<p class="lead">For your security, Signoff could not accept this form. Nothing was changed. Open the page again and retry.</p>`,
    action: { href: back, label: 'Back' },
  });

export const notFoundPage = (what: string) =>
  messagePage({
    title: 'Not found',
    tone: 'warning',
    body: html`<p class="lead">${what}</p>`,
    action: { href: '/login', label: 'Go to sign in' },
  });

export const errorPage = () =>
  messagePage({
    title: 'Something went wrong',
    tone: 'warning',
    body: html`<p class="lead">Signoff could not complete this request. It has been logged; please try again.</p>`,
    action: { href: '/u', label: 'Back to your account' },
  });

/** The store is unreachable (503 / 5031): nothing was done, and trying again shortly will work. */
export const unavailablePage = () =>
  messagePage({
    title: 'Signoff is temporarily unavailable',
    tone: 'warning',
    body: html`<p class="lead">Signoff cannot reach its database right now, so nothing was changed. Please try again in a few seconds.</p>`,
    action: { href: '/u', label: 'Try your account again' },
  });

export const badUrlPage = () =>
  messagePage({
    title: 'This address is not valid',
    tone: 'warning',
    body: html`<p class="lead">The link is malformed (it cannot be decoded), so Signoff did nothing with it.</p>`,
    action: { href: '/u', label: 'Go to your account' },
  });
