// Everything under /oidc goes to the pool's oidc-provider — except Signoff's own routes (the
// interaction and end session), before Fastify parses the body: the provider reads the raw
// request itself. On the way, three things are made true for the library:
//
// - The request's Host and X-Forwarded-* say SIGNOFF_PUBLIC_URL, whatever the client sent, so
//   every URL the library writes (discovery, redirects, `iss`) derives from the public URL and
//   never from a Host header (issue 8: `Host: evil.example` must not reach discovery).
// - A path the library would read as end session or interaction in another spelling (a
//   trailing slash, other letter case, encoded slashes) is refused: only Signoff's exact routes
//   end sessions.
// - A Signoff JWT access token presented at userinfo, introspection or revocation is
//   translated to the library's handle (src/oidc/access-tokens.ts).
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, HttpContext } from '../http/context.ts';
import { type Issuers, OIDC_PREFIX } from './issuers.ts';

/** The library's own limit for form bodies (lib/shared/selective_body.js). */
const BODY_LIMIT = 56 * 1024;

/** Paths below an issuer that are Signoff's own Fastify routes: the interaction, end session, Shared Signals. */
export const isSignoffRoute = (rest: string) =>
  /^\/interaction\/[A-Za-z0-9_-]+$/.test(rest) ||
  rest === '/session/end' ||
  rest === '/session/end/confirm' ||
  rest.startsWith('/ssf/') ||
  rest === '/.well-known/ssf-configuration';

/** How a router that ignores case, repeated or trailing slashes and %-encoding could read a path. */
function looseSpelling(rest: string): string {
  let decoded = rest;
  try {
    decoded = decodeURIComponent(rest);
  } catch {}
  return decoded.toLowerCase().replace(/\/+/g, '/').replace(/\/$/, '');
}

// Token parameters by route: where an app presents a token that may be a Signoff JWT.
const FORM_TOKEN_FIELDS: Record<string, string> = {
  '/token/introspection': 'token',
  '/token/revocation': 'token',
  '/me': 'access_token',
};

async function readBody(raw: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The same request with another body, for the library to read as if it had arrived so. It gets
 * a socket of its own, never connected: when the copy's stream ends and is destroyed, the
 * client's connection must not go with it (the response still goes out on the real one).
 * Nothing reads the socket for addresses: the mount's X-Forwarded-* say them.
 */
function withBody(raw: IncomingMessage, body: string): IncomingMessage {
  const copy = new IncomingMessage(new Socket());
  copy.method = raw.method!;
  copy.url = raw.url!;
  copy.httpVersion = raw.httpVersion;
  copy.httpVersionMajor = raw.httpVersionMajor;
  copy.httpVersionMinor = raw.httpVersionMinor;
  copy.headers = { ...raw.headers, 'content-length': String(Buffer.byteLength(body)) };
  delete copy.headers['transfer-encoding'];
  (copy as IncomingMessage & { originalUrl?: string }).originalUrl = (
    raw as IncomingMessage & { originalUrl?: string }
  ).originalUrl;
  copy.push(body);
  copy.push(null);
  return copy;
}

export function mountIssuers(app: App, ctx: HttpContext, issuers: Issuers) {
  const publicUrl = new URL(ctx.services.settings.publicUrl);
  const publicPath = publicUrl.pathname.replace(/\/$/, '');
  const notFound = (reply: FastifyReply, what: string) =>
    reply.status(404).send({ error: 'not_found', error_description: what });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.raw.url ?? '';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname !== OIDC_PREFIX && !pathname.startsWith(`${OIDC_PREFIX}/`)) return;
    const target = issuers.resolve(pathname);
    if (!target) return notFound(reply, 'There is no OpenID Connect issuer at this address.');
    if (isSignoffRoute(target.rest)) return;
    const loose = looseSpelling(target.rest);
    if (loose.startsWith('/session/end') || loose.startsWith('/interaction')) {
      return notFound(reply, 'No such route. End session is at session/end of the issuer.');
    }
    const issuer = issuers.forPool(target.poolId);
    if (!issuer) return notFound(reply, 'There is no OpenID Connect issuer at this address.');

    const raw = req.raw as IncomingMessage & { originalUrl?: string };
    raw.headers.host = publicUrl.host;
    raw.headers['x-forwarded-host'] = publicUrl.host;
    raw.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
    raw.headers['x-forwarded-for'] = req.ip;
    delete raw.headers.forwarded;
    // Re-based the way a mounted sub-application sees it: originalUrl keeps the issuer's path
    // (under the public URL's), url loses it.
    raw.originalUrl = `${publicPath}${url}`;
    raw.url = url.slice(target.path.length) || '/';

    let handed: IncomingMessage = raw;
    if (target.rest === '/me') {
      const authorization = raw.headers.authorization;
      const bearer = authorization && /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (bearer) raw.headers.authorization = `Bearer ${issuer.translation.translate(bearer[1]!)}`;
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const inQuery = query.get('access_token');
      if (inQuery !== null) {
        query.set('access_token', issuer.translation.translate(inQuery));
        raw.url = `${target.rest}?${query.toString()}`;
      }
    }
    const field = FORM_TOKEN_FIELDS[target.rest];
    if (
      field &&
      req.method === 'POST' &&
      /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')
    ) {
      const body = await readBody(raw);
      if (body === null) {
        return reply
          .status(413)
          .send({ error: 'invalid_request', error_description: 'request body too large' });
      }
      const form = new URLSearchParams(body);
      const presented = form.get(field);
      if (presented !== null) form.set(field, issuer.translation.translate(presented));
      handed = withBody(raw, form.toString());
    }
    reply.hijack();
    issuer.provider.callback()(handed, reply.raw);
  });
}
