// Health, readiness, metrics, public keys and the OpenAPI document.
import { Type } from 'typebox';
import type { RouteModule } from './context.ts';
import { errors } from './errors.ts';

const JWKS = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) });

const Check = Type.Enum(['ok', 'unavailable']);
const Readiness = Type.Object({
  status: Check,
  store: Type.Enum(['ok', 'unavailable'], { description: 'A trivial query answered within 2 s' }),
  bus: Type.Enum(['ok', 'unavailable'], {
    description: 'In-process: always ok; Redis: both connections up and PING answered within 2 s',
  }),
});

/** A dependency that has not answered by then counts as unavailable: /ready must answer. */
const READY_TIMEOUT_MS = 2000;

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

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
    '/ready',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: 200 when the store and the event bus answer, else 503 saying which does not',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (req, reply) => {
      const check = (component: 'store' | 'bus', ping: () => Promise<void>) =>
        within(ping(), READY_TIMEOUT_MS).then(
          () => 'ok' as const,
          (error: unknown) => {
            req.log.warn({ err: error, component }, 'readiness check failed');
            return 'unavailable' as const;
          },
        );
      const [store, bus] = await Promise.all([
        check('store', () => services.store.ping()),
        check('bus', () => services.bus.ping()),
      ]);
      const ready = store === 'ok' && bus === 'ok';
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', store, bus });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics, text exposition format (docs/operations.md lists them)',
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_req, reply) => {
      const text = await services.metrics.render();
      return reply.type(services.metrics.contentType).send(text);
    },
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
