// A pool's settings, for its administrator: today whether people may sign up by themselves
// (off by default). The console and `signoff pools update` change the same setting through
// the same domain call (services.pools.updateSettings).
import { Type } from 'typebox';
import { requireAdmin } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Envelope, ok } from '../envelope.ts';
import { errors } from '../errors.ts';
import { PoolSettingsSchema, presentPoolSettings } from '../presenters.ts';

const SettingsPatch = Type.Object(
  { signUpEnabled: Type.Boolean({ description: 'Let people create their own account in this pool' }) },
  { additionalProperties: false },
);

export const poolSettingsRoutes: RouteModule = (app, { services }) => {
  const tags = ['management'];
  const response = { 200: Envelope(PoolSettingsSchema) };

  app.get(
    '/api/v2/userpools/settings',
    { schema: { tags, summary: "The pool's settings (sign-up on or off)", response } },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const pool = await services.pools.get(poolId);
      if (!pool) throw errors.poolNotFound();
      return ok(presentPoolSettings(pool));
    },
  );

  app.patch(
    '/api/v2/userpools/settings',
    {
      schema: {
        tags,
        summary: "Change the pool's settings: signUpEnabled turns self sign-up on or off",
        body: SettingsPatch,
        response,
      },
    },
    async (req) => {
      const { poolId } = requireAdmin(services, req);
      const pool = await services.pools.updateSettings(poolId, { signUpEnabled: req.body.signUpEnabled });
      if (!pool) throw errors.poolNotFound();
      return ok(presentPoolSettings(pool), 'settings saved');
    },
  );
};
