// A labelled form field of the console's forms, with its hint and its error tied to it
// (aria-describedby, aria-invalid, an alert), as a screen reader needs them.
import { html } from '../html.ts';

export interface FieldInput {
  /** The element's id and, unless `name` says otherwise, its name. */
  id: string;
  name?: string;
  label: string;
  value: string;
  error?: string | undefined;
  hint?: string | undefined;
  kind?: 'text' | 'email' | 'password' | 'lines';
  autocomplete?: string;
  maxlength?: number;
}

export function field(f: FieldInput) {
  const { id, error, hint } = f;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  const attributes = html` name="${f.name ?? id}"${f.autocomplete ? html` autocomplete="${f.autocomplete}"` : null}${f.maxlength ? html` maxlength="${f.maxlength}"` : null}${error ? html` aria-invalid="true"` : null}${describedBy ? html` aria-describedby="${describedBy}"` : null}`;
  const kind = f.kind ?? 'text';
  return html`<div class="field">
  <label for="${id}">${f.label}</label>
  ${hint ? html`<p class="muted small" id="${id}-hint">${hint}</p>` : null}
  ${
    kind === 'lines'
      ? html`<textarea class="input" id="${id}" rows="3" spellcheck="false"${attributes}>${f.value}</textarea>`
      : html`<input class="input" id="${id}" type="${kind}" spellcheck="false" value="${f.value}"${attributes}>`
  }
  ${error ? html`<p class="field-error" id="${id}-error" role="alert">${error}</p>` : null}
</div>`;
}
