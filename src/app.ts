// Builds the HTTP application from the route modules. No business logic here.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyReply } from 'fastify';
import type { TrustProxy } from './config.ts';
import type { Services } from './domain/services.ts';
import { adminSessionRoutes } from './http/api/admin-sessions.ts';
import { applicationRoutes } from './http/api/applications.ts';
import { endUserRoutes } from './http/api/end-user.ts';
import { eventStreamRoutes } from './http/api/event-streams.ts';
import { logoutDeliveryRoutes } from './http/api/logout-deliveries.ts';
import { managementTokenRoutes } from './http/api/management-token.ts';
import { poolSettingsRoutes } from './http/api/pool-settings.ts';
import { registerRoutes } from './http/api/register.ts';
import { userRoutes } from './http/api/users.ts';
import { kontenbaseRoutes } from './http/compat/kontenbase.ts';
import type { App, HttpContext } from './http/context.ts';
import { endUserCors } from './http/cors.ts';
import { ErrorBody } from './http/envelope.ts';
import { apiErrorHandler, errors } from './http/errors.ts';
import { createCsrf } from './http/pages/csrf.ts';
import { badUrlPage } from './http/pages/message-views.ts';
import { sendPage } from './http/pages/page-reply.ts';
import { pageRoutes } from './http/pages/pages.ts';
import { SESSION_COOKIE } from './http/session-cookie.ts';
import { ssfRoutes } from './http/ssf/ssf-routes.ts';
import { systemRoutes } from './http/system.ts';
import { observeRequests } from './metrics.ts';
import { endSessionRoutes } from './oidc/end-session-routes.ts';
import { interactionRoutes } from './oidc/interaction-routes.ts';
import { createIssuers, OIDC_PREFIX } from './oidc/issuers.ts';
import { mountIssuers } from './oidc/mount.ts';

export interface AppOptions {
  services: Services;
  logger?: FastifyBaseLogger | false;
  /** SIGNOFF_TRUST_PROXY: which X-Forwarded-For hops tell the client address. */
  trustProxy?: TrustProxy;
  /**
   * False while the process is still starting: main.ts holds the port before the first start
   * creates the default pool, and every request meanwhile is answered 503 (Retry-After: 1).
   */
  serving?: () => boolean;
}

// ajv-formats is CommonJS with a default export that TypeScript's NodeNext view types as the module.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

/**
 * Fastify's own hop count trusts nothing (it cannot tell who the nearest peer is), so the hop
 * count is a trust function: the first `hops` addresses — the socket's, then X-Forwarded-For
 * from the right — are proxies, and the client is the one they saw.
 */
const trustProxyOf = (trust: TrustProxy) =>
  typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;

/** The JSON API: Signoff's own and the Kontenbase-shaped routes. */
const isApiPath = (url: string) => url.startsWith('/api/') || url.startsWith('/query/api/');

/** End-user routes that need no signed-in user: signing in, and signing up. */
const PUBLIC_END_USER_ROUTES = new Set(['/api/v2/login/account', '/api/v2/register/email']);

/** Bodies above this are refused with 413: a thousand user ids fit in a tenth of it. */
export const BODY_LIMIT = 256 * 1024;

export async function buildApp(options: AppOptions): Promise<App> {
  const { services } = options;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxyOf(options.trustProxy ?? false),
    // A URL that cannot be decoded (`/api/v2/applications/%`) fails before routing: answered in
    // the shape of where it was going — the API envelope with a numeric code, or a page.
    frameworkErrors: (error, request, reply) => {
      const answer = reply as unknown as FastifyReply;
      if (isApiPath(request.url)) {
        return answer.status(400).send({ code: 4000, message: `Malformed URL: ${error.message}` });
      }
      return sendPage(answer, badUrlPage(), { status: 400 });
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // First, so that every answer is counted, those of the hooks below included.
  observeRequests(app, services.metrics, [OIDC_PREFIX]);
  const { serving } = options;
  if (serving) {
    app.addHook('onRequest', async (_request, reply) => {
      if (serving()) return;
      // Serialized here: the route's own response schema (/ready's requires `status`) would
      // otherwise refuse this body and turn the 503 into a 500.
      return reply
        .status(503)
        .header('retry-after', '1')
        .type('application/json; charset=utf-8')
        .serializer(JSON.stringify)
        .send({ code: 5030, message: 'Signoff is starting: retry in a moment' });
    });
  }

  // Bodies are JSON and must already have the right types ("userIds must be an array of
  // strings": 1 is not "1"); query strings, params and headers are text and are coerced.
  const strict = addFormats(
    new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false }),
  );
  const coercing = addFormats(
    new Ajv({ allErrors: false, coerceTypes: true, useDefaults: true, removeAdditional: false }),
  );
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object),
  );

  // An empty body with a JSON content type is an absent body (SDKs send POST /logout that way),
  // not a 400; anything else goes to Fastify's own prototype-poisoning-safe parser.
  const parseJSON = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    parseJSON(request, text, done);
  });

  await app.register(cookie);
  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Signoff',
        version: '0.1.0',
        description:
          'Identity server whose logout actually logs people out. Success bodies use the envelope {code: 200, message, data}; errors {code, message} (see docs/errors.md).',
      },
      servers: [{ url: services.settings.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          poolId: { type: 'apiKey', in: 'header', name: 'x-authing-userpool-id' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
    },
  });

  // Document, per route, who may call it and the error body it answers with.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | { tags?: string[]; security?: unknown; response?: Record<string, unknown>; hide?: boolean }
      | undefined;
    if (!schema || schema.hide) return;
    const tags = schema.tags ?? [];
    if (tags.includes('management') && !route.url.startsWith('/api/v2/userpools/accessToken')) {
      schema.security ??= [{ bearer: [], poolId: [] }];
    } else if (tags.includes('end user') && !PUBLIC_END_USER_ROUTES.has(route.url)) {
      schema.security ??= [{ bearer: [] }, { sessionCookie: [] }];
    }
    if (route.url.startsWith('/api/') && schema.response) {
      schema.response['4xx'] ??= ErrorBody;
      schema.response['5xx'] ??= ErrorBody;
    }
  });

  // Login CSRF through the API (issue 10): a cross-site HTML form can send only form-encoded,
  // multipart or text/plain bodies without a preflight. /api/** (and Kontenbase's /query/api)
  // take JSON only, so no such form ever reaches them; forms go only to the hosted pages,
  // which check CSRF. A request without a body (a GET, the SDK's body-less POST) is not refused.
  app.addHook('onRequest', async (request) => {
    if (!isApiPath(request.url)) return;
    const length = request.headers['content-length'];
    const hasBody =
      (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      throw errors.unsupportedMediaType('The request body must be JSON: content-type: application/json');
    }
  });

  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: 4040, message: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );

  const ctx: HttpContext = {
    services,
    cookie: {
      secure: services.settings.publicUrl.startsWith('https:'),
      maxAge: services.settings.sessionAbsoluteTTL,
    },
  };
  endUserCors(app, services);
  for (const routes of [
    systemRoutes,
    managementTokenRoutes,
    poolSettingsRoutes,
    applicationRoutes,
    logoutDeliveryRoutes,
    eventStreamRoutes,
    userRoutes,
    adminSessionRoutes,
    endUserRoutes,
    registerRoutes,
  ]) {
    routes(app, ctx);
  }
  kontenbaseRoutes(app, ctx);
  // One CSRF scheme for every Signoff form: the hosted pages' and OIDC end session's.
  const csrf = createCsrf(services, ctx.cookie);
  pageRoutes(app, ctx, csrf);
  // One OIDC issuer per pool under /oidc: the providers, and Signoff's own OIDC routes.
  const issuers = createIssuers(services);
  mountIssuers(app, ctx, issuers);
  interactionRoutes(app, ctx, issuers);
  endSessionRoutes(app, ctx, issuers, csrf);
  ssfRoutes(app, ctx);
  return app;
}
