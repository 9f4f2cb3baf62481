// Self sign-up through the API, in Authing's shape (its v2 `POST /api/v2/register/email`, which
// its SDK's registerByEmail calls): the pool named by the app (x-authing-app-id) or by
// x-authing-userpool-id; the answer is the new user, not signed in (Authing signs in only when
// asked; the app signs the user in with /api/v2/login/account). Refused while the pool has
// sign-up off; counted per client address with the hosted page's sign-ups.
import { Type } from 'typebox';
import { APP_HEADER, headerValue, POOL_HEADER } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import { presentUser, UserSchema } from '../presenters.ts';
import { throttledError } from './end-user.ts';

export const EMAIL_EXISTS = 'An account with this email already exists — sign in instead';

const RegisterBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^@\\s]+$' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const registerRoutes: RouteModule = (app, ctx) => {
  const { services } = ctx;

  app.post(
    '/api/v2/register/email',
    {
      schema: {
        tags: ['end user'],
        summary: 'Sign up with an email and a password (when the pool has sign-up on)',
        body: RegisterBody,
        response: { 200: Envelope(UserSchema) },
      },
    },
    async (req, reply) => {
      const appId = headerValue(req, APP_HEADER);
      const named = headerValue(req, POOL_HEADER);
      let poolId: string;
      if (appId) {
        const app = await services.login.appInPool(appId, named);
        if (!app) throw errors.appNotFound();
        poolId = app.poolId;
      } else if (named) {
        poolId = named;
      } else {
        throw errors.invalid(`headers/${APP_HEADER} or headers/${POOL_HEADER} is required`);
      }
      const result = await services.signUp.signUp({ poolId, ...req.body, ip: req.ip });
      if (result.ok) return ok(presentUser(result.user), 'registered');
      switch (result.reason) {
        case 'pool_not_found':
          throw errors.poolNotFound();
        case 'disabled':
          throw errors.signUpDisabled();
        case 'invalid':
          throw errors.invalid(`body/${result.field} ${result.problem}`);
        case 'exists':
          throw errors.conflict(
            result.conflict === 'email' ? EMAIL_EXISTS : 'body/username is already taken in this user pool',
          );
        case 'throttled':
          throw throttledError(ctx, req, reply, result.retryAt, 'Too many sign-ups from this address');
      }
    },
  );
};
