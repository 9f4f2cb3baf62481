// Reading query parameters and form fields of page routes, which have no JSON schema (they
// answer with pages, not 400 envelopes). A parameter given twice is not guessed at.

export const REPEATED = Symbol('repeated');

/** A query parameter or form field: its value, null when absent, REPEATED when given more than once. */
export function param(source: unknown, name: string): string | null | typeof REPEATED {
  if (typeof source !== 'object' || source === null) return null;
  const value = (source as Record<string, unknown>)[name];
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  return REPEATED;
}

/** A parameter's value when it was given once; null otherwise. */
export function single(source: unknown, name: string): string | null {
  const value = param(source, name);
  return typeof value === 'string' ? value : null;
}

/** A form field given once or several times (checkboxes), as a list. */
export function many(source: unknown, name: string): string[] {
  if (typeof source !== 'object' || source === null) return [];
  const value = (source as Record<string, unknown>)[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
