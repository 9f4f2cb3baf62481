// The confirmation step of every destructive console action (issue 11). Pages have no
// script, so the server asks: the action's first post changes nothing and answers this page,
// which says what will end — who, how many sessions — and carries the same fields in a second
// CSRF-protected form with `confirm=yes`; only that post acts. Cancel is a plain link back.
import { html, type Renderable } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField } from '../layout.ts';
import { single } from '../params.ts';
import { type ConsoleFrame, consolePage } from './console-layout.ts';

export const CONFIRM_FIELD = 'confirm';

/** Whether a destructive form was posted from its confirmation page. */
export const confirmed = (body: unknown) => single(body, CONFIRM_FIELD) === 'yes';

/** "1 session", "3 sessions". */
export const counted = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

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
}

export function confirmPage(frame: ConsoleFrame, c: Confirmation) {
  return consolePage(
    frame,
    c.title,
    html`<section class="card confirm-card stack" aria-labelledby="confirm-title" aria-describedby="confirm-consequence">
  <div class="confirm-head">
    <span class="status-icon warning">${icons.alert}</span>
    <h1 id="confirm-title">${c.title}</h1>
  </div>
  <p id="confirm-consequence"><strong>Are you sure?</strong> ${c.consequence}</p>
  ${c.details ?? null}
  <form method="post" action="${c.action}" class="toolbar">
    ${csrfField(frame.csrf)}
    <input type="hidden" name="${CONFIRM_FIELD}" value="yes">
    ${(c.fields ?? []).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    <button type="submit" class="button button-danger-solid">Confirm</button>
    <a class="button button-secondary" href="${c.cancel}">Cancel</a>
  </form>
</section>`,
  );
}

/** Names as a list, the first `shown` of `total`, then "and N more". */
export function whoList(label: string, names: readonly string[], total: number) {
  if (names.length === 0) return null;
  const more = total - names.length;
  return html`<div class="who">
  <h2 class="small muted">${label}</h2>
  <ul class="who-list">${names.map((n) => html`<li>${n}</li>`)}</ul>
  ${more > 0 ? html`<p class="muted small">and ${counted(more, 'more user', 'more users')}</p>` : null}
</div>`;
}
