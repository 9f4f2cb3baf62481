// What may be registered as a redirect, logout redirect or back-channel URI. Registration is
// the only gate: at logout time a redirect is followed only on an exact string match with a
// registered value (never a prefix, never normalised), so what is registered must be exact.

const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/** Null when acceptable, else why not. Apps may use http(s) or a private-use scheme (RFC 8252 §7.1). */
export function checkRedirectUri(value: string): string | null {
  if (value.length > 2048) return 'must be at most 2048 characters';
  // URL parsers drop tabs and line breaks silently, so a registration that looks checked would
  // hold them; headers built from it would then break (a 500, or header injection).
  if (/\p{Cc}/u.test(value)) return 'must not contain control characters (CR, LF, TAB…)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URI';
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  if (url.hash !== '' || value.includes('#')) return 'must not contain a fragment';
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.username + url.password !== '') {
    return 'must not contain user information';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && !url.protocol.slice(0, -1).includes('.')) {
    return 'must be http(s) or a private-use scheme in reverse-domain form (com.example.app:)';
  }
  return null;
}

/** The back-channel endpoint must be http(s) without a fragment (OIDC Back-Channel Logout 1.0 §2.2). */
export function checkBackchannelUri(value: string): string | null {
  const problem = checkRedirectUri(value);
  if (problem) return problem;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:' ? null : 'must be an http or https URL';
}
