// Kontenbase-shaped auth routes (CONTRACT §5) for apps written against that SDK: `apiKey` is
// the app id, bodies are bare JSON, errors are `{message}` with a 4xx status. Thin aliases:
// sign-in and logout are the same functions the Authing-shaped routes call.
import { Type } from 'typebox';
import { signIn, signOut } from '../api/end-user.ts';
import { findUser } from '../auth.ts';
import type { App, HttpContext } from '../context.ts';
import { mapError, reportMapped } from '../errors.ts';
import { presentUser, UserSchema } from '../presenters.ts';

const Params = Type.Object({ apiKey: Type.String({ minLength: 1, maxLength: 64 }) });
const KontenbaseUser = Type.Intersect([UserSchema, Type.Object({ _id: Type.String() })]);
const TokenAndUser = Type.Object({ token: Type.Union([Type.String(), Type.Null()]), user: KontenbaseUser });
const ErrorMessage = Type.Object({ message: Type.String() });

class KontenbaseError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const kontenbaseUser = (user: Parameters<typeof presentUser>[0]) => ({ _id: user.id, ...presentUser(user) });

export function kontenbaseRoutes(app: App, ctx: HttpContext) {
  const { services } = ctx;
  app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof KontenbaseError)
        return reply.status(error.status).send({ message: error.message });
      const mapped = mapError(error);
      reportMapped(mapped, error, request, reply);
      return reply.status(mapped.status).send({ message: mapped.message });
    });
    const typed = scope.withTypeProvider<import('@fastify/type-provider-typebox').TypeBoxTypeProvider>();
    const tags = ['kontenbase'];
    const responses = { 400: ErrorMessage, 401: ErrorMessage, 404: ErrorMessage };

    /** The caller, whose token must be for this very app. */
    async function caller(request: Parameters<typeof findUser>[1], apiKey: string) {
      const principal = await findUser(services, request);
      if (!principal || (principal.appId !== null && principal.appId !== apiKey)) {
        throw new KontenbaseError(401, 'Unauthorized');
      }
      return principal;
    }

    typed.post(
      '/query/api/v1/:apiKey/auth/login',
      {
        schema: {
          tags,
          summary: 'Kontenbase: sign in',
          params: Params,
          body: Type.Object({
            email: Type.String({ minLength: 1, maxLength: 254 }),
            password: Type.String({ minLength: 1, maxLength: 256 }),
          }),
          response: { 200: TokenAndUser, ...responses },
        },
      },
      async (req, reply) => {
        const result = await signIn(ctx, req, reply, {
          appId: req.params.apiKey,
          account: req.body.email,
          password: req.body.password,
        });
        return { token: result.token, user: kontenbaseUser(result.user) };
      },
    );

    typed.get(
      '/query/api/v1/:apiKey/auth/user',
      {
        schema: {
          tags,
          summary: 'Kontenbase: the signed-in user',
          params: Params,
          response: { 200: KontenbaseUser, ...responses },
        },
      },
      async (req) => {
        const principal = await caller(req, req.params.apiKey);
        const user = await services.users.get(principal.poolId, principal.userId);
        if (!user) throw new KontenbaseError(401, 'Unauthorized');
        return kontenbaseUser(user);
      },
    );

    typed.post(
      '/query/api/v1/:apiKey/auth/logout',
      {
        schema: {
          tags,
          summary: 'Kontenbase: log out (echoes the revoked token)',
          params: Params,
          response: { 200: TokenAndUser, ...responses },
        },
      },
      async (req, reply) => {
        const principal = await caller(req, req.params.apiKey);
        const { user } = await signOut(ctx, reply, principal, 'local');
        if (!user) throw new KontenbaseError(401, 'Unauthorized');
        return { token: principal.token, user: kontenbaseUser(user) };
      },
    );
  });
}
