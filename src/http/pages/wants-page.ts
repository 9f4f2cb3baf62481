// Whether a request is a browser's page load rather than an API client's call: for routes
// that answer both (Wix's front-end logout, whose errors are JSON in Wix's shape, issue 11).
import type { FastifyRequest } from 'fastify';

/** The q-value an Accept header gives `type` by name (wildcards ignored), 0 when not named. */
function quality(accept: string, type: string): number {
  let best = 0;
  for (const range of accept.split(',')) {
    const [name, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (name !== type) continue;
    const q = params.find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    if (Number.isFinite(value)) best = Math.max(best, value);
  }
  return best;
}

/**
 * True for a navigation: a browser's Fetch metadata says so (Sec-Fetch-Dest: document), or
 * Accept asks for HTML at least as much as for JSON. A client that asks for JSON, or sends no
 * Accept or only * / *, as API clients and curl do, gets JSON.
 */
export function wantsPage(req: FastifyRequest): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (dest === 'document' || dest === 'iframe') return true;
  const accept = req.headers.accept ?? '';
  const page = Math.max(quality(accept, 'text/html'), quality(accept, 'application/xhtml+xml'));
  return page > 0 && page >= quality(accept, 'application/json');
}
