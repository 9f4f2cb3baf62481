// The hosted pages' only static files, served by Signoff itself (CSP: style-src 'self'). The
// stylesheet's URL carries a hash of its content, so it can be cached for a year and still
// change the moment a new version is deployed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { App } from '../context.ts';

const read = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url));

const stylesheet = read('signoff.css');
const favicon = read('favicon.svg');

export const STYLESHEET_URL = `/assets/signoff.css?v=${createHash('sha256').update(stylesheet).digest('hex').slice(0, 12)}`;

const LONG_CACHE = 'public, max-age=31536000, immutable';

export function assetRoutes(app: App) {
  const serve = (path: string, type: string, body: Buffer, cache: string) =>
    app.get(path, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .header('cache-control', cache)
        .header('x-content-type-options', 'nosniff')
        .header('cross-origin-resource-policy', 'same-origin')
        .type(type)
        .send(body),
    );
  serve('/assets/signoff.css', 'text/css; charset=utf-8', stylesheet, LONG_CACHE);
  // The favicon's URL is not versioned: a day is enough.
  serve('/assets/favicon.svg', 'image/svg+xml', favicon, 'public, max-age=86400');
}
