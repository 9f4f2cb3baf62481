import { Type } from 'typebox';
import { checkBackchannelUri, checkRedirectUri } from '../../domain/apps/redirect-uris.ts';
import { requireAdmin } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import { AppSchema, AppWithSecretSchema, presentApp } from '../presenters.ts';

const UriList = Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 50 });
const NullableUri = Type.Union([Type.String({ maxLength: 2048 }), Type.Null()]);

const AppBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    identifier: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
    redirectUris: Type.Optional(UriList),
    logoutRedirectUris: Type.Optional(UriList),
    backchannelLogoutUri: Type.Optional(NullableUri),
    tokenEndpointAuthMethod: Type.Optional(
      Type.Enum(['client_secret_basic', 'client_secret_post', 'none'], {
        description:
          'client_secret_basic (default) or client_secret_post: a confidential app, authenticated by its secret (either method is accepted); none: a public app (SPA, native), PKCE required.',
      }),
    ),
    ssfEnabled: Type.Optional(
      Type.Boolean({
        description:
          'Default true: a confidential app may be a Shared Signals receiver (client credentials with scope ssf, event streams).',
      }),
    ),
  },
  { additionalProperties: false },
);
const AppPatchBody = Type.Partial(AppBody, { additionalProperties: false, minProperties: 1 });
const AppParams = Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) });

interface UriFields {
  redirectUris?: string[] | undefined;
  logoutRedirectUris?: string[] | undefined;
  backchannelLogoutUri?: string | null | undefined;
}

/** 400 naming the first bad URI, as body/<field>/<index>. */
function validateUris(body: UriFields) {
  for (const field of ['redirectUris', 'logoutRedirectUris'] as const) {
    body[field]?.forEach((uri, i) => {
      const problem = checkRedirectUri(uri);
      if (problem) throw errors.invalid(`body/${field}/${i} ${problem}`);
    });
  }
  if (body.backchannelLogoutUri) {
    const problem = checkBackchannelUri(body.backchannelLogoutUri);
    if (problem) throw errors.invalid(`body/backchannelLogoutUri ${problem}`);
  }
}

export const applicationRoutes: RouteModule = (app, { services }) => {
  const tags = ['management'];

  app.post(
    '/api/v2/applications',
    {
      schema: {
        tags,
        summary: 'Create an application',
        body: AppBody,
        response: { 200: Envelope(AppWithSecretSchema) },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      validateUris(req.body);
      const created = await services.apps.create(poolId, req.body);
      if (!created.ok) throw errors.invalid(`body/${created.field} ${created.problem}`);
      return ok({ ...presentApp(created.app), secret: created.secret });
    },
  );

  app.get(
    '/api/v2/applications',
    { schema: { tags, summary: 'List applications', response: { 200: Envelope(Type.Array(AppSchema)) } } },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      return ok((await services.apps.list(poolId)).map(presentApp));
    },
  );

  app.get(
    '/api/v2/applications/:appId',
    {
      schema: {
        tags,
        summary: 'Get an application',
        params: AppParams,
        response: { 200: Envelope(AppSchema) },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const found = await services.apps.get(poolId, req.params.appId);
      if (!found) throw errors.appNotFound();
      return ok(presentApp(found));
    },
  );

  app.patch(
    '/api/v2/applications/:appId',
    {
      schema: {
        tags,
        summary: 'Update an application',
        params: AppParams,
        body: AppPatchBody,
        response: { 200: Envelope(AppSchema) },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      validateUris(req.body);
      const updated = await services.apps.update(poolId, req.params.appId, req.body);
      if (!updated.ok) {
        if (updated.reason === 'not_found') throw errors.appNotFound();
        throw errors.invalid(`body/${updated.field} ${updated.problem}`);
      }
      return ok(presentApp(updated.app));
    },
  );

  // A lost or leaked secret is replaced, not shown again: the old one stops working at once
  // (token endpoint, SSF client credentials), the new one is in this answer only.
  app.post(
    '/api/v2/applications/:appId/secret',
    {
      schema: {
        tags,
        summary: "Rotate an application's secret: the old one stops working, the new one is shown once",
        params: AppParams,
        response: { 200: Envelope(AppWithSecretSchema) },
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const rotated = await services.apps.rotateSecret(poolId, req.params.appId);
      if (!rotated) throw errors.appNotFound();
      return ok({ ...presentApp(rotated.app), secret: rotated.secret }, 'secret rotated');
    },
  );

  app.delete(
    '/api/v2/applications/:appId',
    {
      schema: {
        tags,
        summary: 'Delete an application, ending every session signed in to it',
        params: AppParams,
        response: { 200: Envelope(Type.Boolean()) },
      },
    },
    async (req) => {
      const { poolId, actor } = requireAdmin(services, req);
      const deleted = await services.apps.delete(poolId, req.params.appId, actor);
      if (!deleted) throw errors.appNotFound();
      return ok(true, 'application deleted');
    },
  );
};
