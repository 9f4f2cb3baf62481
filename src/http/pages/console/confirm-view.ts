// The console's confirmation page: the shared confirmation card (../confirm-card.ts) in the
// console's layout, and the helpers its messages use.
import { type Confirmation, confirmCard } from '../confirm-card.ts';
import { html } from '../html.ts';
import { type ConsoleFrame, consolePage } from './console-layout.ts';

export { CONFIRM_FIELD, type Confirmation, confirmed } from '../confirm-card.ts';

/** "1 session", "3 sessions". */
export const counted = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

export function confirmPage(frame: ConsoleFrame, c: Confirmation) {
  return consolePage(frame, c.title, confirmCard(c, frame.csrf));
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
