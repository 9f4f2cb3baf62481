// Where the hosted login page may send the browser after sign-in: only this server's own
// personal center (/u…) and OIDC interactions (/oidc/interaction/… for the default pool's
// issuer, /oidc/pools/{poolId}/interaction/… for another pool's). Anything else — other
// hosts, scheme-relative `//host`, backslashes browsers read as slashes, paths that climb out
// with `..` (plain or encoded) — falls back to /u. The value is resolved the way a browser
// would, and what is returned is the resolved path, never the raw input.

export const DEFAULT_RETURN_TO = '/u';
const BASE = 'http://signoff.invalid';
const INTERACTION = /^\/oidc\/(pools\/[A-Za-z0-9_-]{1,64}\/)?interaction\/[A-Za-z0-9_-]+$/;
const URL_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]+$/;

export function safeReturnTo(value: string | null): string {
  if (!value || value.length > 2048) return DEFAULT_RETURN_TO;
  // Only characters a URL path and query may hold as they are: no backslash (read as a slash),
  // no whitespace or control characters (stripped or rewritten by URL parsers), nothing to guess at.
  if (!value.startsWith('/') || value.startsWith('//') || !URL_CHARACTERS.test(value)) {
    return DEFAULT_RETURN_TO;
  }
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  if (url.origin !== BASE) return DEFAULT_RETURN_TO;
  const path = url.pathname;
  const allowed = path === '/u' || path.startsWith('/u/') || INTERACTION.test(path);
  return allowed ? path + url.search : DEFAULT_RETURN_TO;
}

export const isInteraction = (returnTo: string) => INTERACTION.test(returnTo.split('?')[0]!);
