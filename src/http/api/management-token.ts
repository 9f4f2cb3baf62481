import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { countThrottled } from '../../metrics.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';

const credentials = {
  userPoolId: Type.String({ minLength: 1, maxLength: 64 }),
  secret: Type.String({ minLength: 1, maxLength: 256 }),
};
// The query of Authing's GET may carry more (its SDKs add parameters); a body says only this.
const Credentials = Type.Object(credentials);
const CredentialsBody = Type.Object(credentials, { additionalProperties: false });

const Token = Envelope(
  Type.Object({
    accessToken: Type.String(),
    exp: Type.Integer({ description: 'Expiry, seconds since the epoch' }),
    iat: Type.Integer({ description: 'Issued at, seconds since the epoch' }),
  }),
);

/** CONTRACT §4: a pool administrator token from the pool id and secret (GET as Authing does, or POST). */
export const managementTokenRoutes: RouteModule = (app, { services }) => {
  async function issue(req: FastifyRequest, reply: FastifyReply, userPoolId: string, secret: string) {
    const result = await services.pools.issueAdminToken(userPoolId, secret, req.ip);
    if (!result.ok) {
      if (result.reason === 'throttled') {
        countThrottled(services.metrics, req);
        const seconds = Math.max(1, Math.ceil((result.retryAt - services.clock.now()) / 1000));
        reply.header('retry-after', String(seconds));
        throw errors.tooManyRequests(`Too many wrong secrets: try again in ${seconds} seconds`);
      }
      throw errors.noPermission('Wrong user pool id or secret');
    }
    return ok({ accessToken: result.accessToken, exp: result.exp, iat: result.iat });
  }
  const schema = {
    tags: ['management'],
    summary: 'Get a pool administrator token',
    response: { 200: Token },
  };
  app.get(
    '/api/v2/userpools/accessToken',
    { schema: { ...schema, querystring: Credentials } },
    (req, reply) => issue(req, reply, req.query.userPoolId, req.query.secret),
  );
  app.post('/api/v2/userpools/accessToken', { schema: { ...schema, body: CredentialsBody } }, (req, reply) =>
    issue(req, reply, req.body.userPoolId, req.body.secret),
  );
};
