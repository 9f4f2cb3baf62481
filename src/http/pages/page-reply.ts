// How every hosted page leaves the server: HTML with a strict Content-Security-Policy (no
// script at all, styles and images only from Signoff itself, forms only back to Signoff),
// never framed, never cached, never leaking its URL in a Referer.
import type { FastifyReply } from 'fastify';
import type { Markup } from './html.ts';

/**
 * A registered redirect URI as a CSP source. Browsers check form-action against every hop of
 * the redirects that follow a form post, so the login page of an OIDC sign-in must list where
 * the flow ends. Paths are kept (exact match on the first hop; browsers ignore paths after a
 * redirect), the query dropped; a private-use scheme becomes a scheme source.
 */
export function cspSource(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : null;
  }
  // `;` and `,` separate directives and policies; anything unusual is percent-encoded.
  const path = url.pathname.replace(/[^A-Za-z0-9\-._~/%!$&'()*+=:@]/g, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return `${url.protocol}//${url.host}${path}`;
}

export function contentSecurityPolicy(formActions: readonly string[] = []): string {
  const extra = [...new Set(formActions.map(cspSource).filter((s): s is string => s !== null))];
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action ${["'self'", ...extra].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Headers every hosted-page response carries, redirects and JSON errors included. */
export function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store');
}

export interface PageOptions {
  status?: number;
  /** Registered redirect targets a form on this page may end at (see cspSource). */
  formActions?: readonly string[];
}

export function sendPage(reply: FastifyReply, page: Markup, options: PageOptions = {}) {
  return pageHeaders(reply)
    .status(options.status ?? 200)
    .header('content-security-policy', contentSecurityPolicy(options.formActions))
    .header('cross-origin-opener-policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(page.text);
}

/** A redirect from a page route (303 after a form post, so the browser follows with GET). */
export function redirectTo(reply: FastifyReply, location: string, status: 302 | 303 = 303) {
  return pageHeaders(reply).redirect(location, status);
}
