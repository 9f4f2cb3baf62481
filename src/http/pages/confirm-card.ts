// The confirmation step of a destructive action on a page (issue 11): pages have no script, so
// the server asks. The action's first post changes nothing and answers this card, which says
// what will end and carries the same fields in a second CSRF-protected form with `confirm=yes`;
// only that post acts. Cancel is a plain link back. The console and the personal center each
// wrap it in their own page.
import { html, type Renderable } from './html.ts';
import { icons } from './icons.ts';
import { csrfField } from './layout.ts';
import { single } from './params.ts';

export const CONFIRM_FIELD = 'confirm';

/** Whether a destructive form was posted from its confirmation page. */
export const confirmed = (body: unknown) => single(body, CONFIRM_FIELD) === 'yes';

export interface Confirmation {
  /** The question, as the page's heading: "Force logout alice from Team Wiki?" */
  title: string;
  /** What will happen, with its numbers; follows "Are you sure?". */
  consequence: Renderable;
  /** Who or what it touches, when a list says it better than a sentence. */
  details?: Renderable;
  /** Where the first post went: the confirmed post goes there too. */
  action: string;
  /** The first post's fields, carried into the confirmed one. */
  fields?: readonly (readonly [string, string])[];
  /** Where Cancel goes: the page the action was started from. */
  cancel: string;
  /** The Confirm button's words, when "Confirm" says less than the action's own name. */
  confirmLabel?: string;
}

export function confirmCard(c: Confirmation, csrf: string) {
  return html`<section class="card confirm-card stack" aria-labelledby="confirm-title" aria-describedby="confirm-consequence">
  <div class="confirm-head">
    <span class="status-icon warning">${icons.alert}</span>
    <h1 id="confirm-title">${c.title}</h1>
  </div>
  <p id="confirm-consequence"><strong>Are you sure?</strong> ${c.consequence}</p>
  ${c.details ?? null}
  <form method="post" action="${c.action}" class="toolbar">
    ${csrfField(csrf)}
    <input type="hidden" name="${CONFIRM_FIELD}" value="yes">
    ${(c.fields ?? []).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    <button type="submit" class="button button-danger-solid">${c.confirmLabel ?? 'Confirm'}</button>
    <a class="button button-secondary" href="${c.cancel}">Cancel</a>
  </form>
</section>`;
}
