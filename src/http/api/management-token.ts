import { Type } from 'typebox';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';

const Credentials = Type.Object({
  userPoolId: Type.String({ minLength: 1, maxLength: 64 }),
  secret: Type.String({ minLength: 1, maxLength: 256 }),
});

const Token = Envelope(
  Type.Object({
    accessToken: Type.String(),
    exp: Type.Integer({ description: 'Expiry, seconds since the epoch' }),
    iat: Type.Integer({ description: 'Issued at, seconds since the epoch' }),
  }),
);

/** CONTRACT §4: a pool administrator token from the pool id and secret (GET as Authing does, or POST). */
export const managementTokenRoutes: RouteModule = (app, { services }) => {
  async function issue(userPoolId: string, secret: string) {
    const result = await services.pools.issueAdminToken(userPoolId, secret);
    if (!result.ok) {
      if (result.reason === 'pool_not_found') throw errors.poolNotFound();
      throw errors.noPermission('Wrong user pool secret');
    }
    return ok({ accessToken: result.accessToken, exp: result.exp, iat: result.iat });
  }
  const schema = {
    tags: ['management'],
    summary: 'Get a pool administrator token',
    response: { 200: Token },
  };
  app.get('/api/v2/userpools/accessToken', { schema: { ...schema, querystring: Credentials } }, (req) =>
    issue(req.query.userPoolId, req.query.secret),
  );
  app.post('/api/v2/userpools/accessToken', { schema: { ...schema, body: Credentials } }, (req) =>
    issue(req.body.userPoolId, req.body.secret),
  );
};
