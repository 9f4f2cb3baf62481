// Server-rendered HTML without a template engine: `html` is a tagged template that escapes
// every interpolated value unless it is already markup built by `html` itself. There is no
// "raw string" escape hatch on purpose: the only way to emit markup is to write it in a
// template literal in this code base, so nothing a user or an app sends can become markup.

const MARKUP = Symbol('markup');

/** Markup produced by `html`: safe to interpolate into another template as is. */
export interface Markup {
  readonly [MARKUP]: true;
  readonly text: string;
}

/** A value a template accepts: text (escaped), numbers, markup, lists of those; null/false render nothing. */
export type Renderable = Markup | string | number | null | undefined | false | readonly Renderable[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and for quoted attribute values. */
export const escapeHTML = (text: string) => text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);

const markup = (text: string): Markup => ({ [MARKUP]: true, text });

const isMarkup = (value: unknown): value is Markup =>
  typeof value === 'object' && value !== null && MARKUP in value;

function render(value: Renderable): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (isMarkup(value)) return value.text;
  return escapeHTML(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return markup(out);
}
