// Health, public keys and the OpenAPI document.
import { Type } from 'typebox';
import type { RouteModule } from './context.ts';
import { errors } from './errors.ts';

const JWKS = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) });

export const systemRoutes: RouteModule = (app, { services }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness: 200 once the server accepts traffic',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['system'],
        summary: "The default pool's public signing keys",
        response: { 200: JWKS },
      },
    },
    async () => {
      const poolId = services.defaultPoolId();
      return poolId ? services.tokens.jwks(poolId) : { keys: [] };
    },
  );

  app.get(
    '/pools/:poolId/.well-known/jwks.json',
    {
      schema: {
        tags: ['system'],
        summary: "A pool's public signing keys",
        params: Type.Object({ poolId: Type.String({ maxLength: 64 }) }),
        response: { 200: JWKS },
      },
    },
    async (req) => {
      const jwks = services.tokens.jwks(req.params.poolId);
      if (jwks.keys.length === 0) throw errors.poolNotFound();
      return jwks;
    },
  );

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
