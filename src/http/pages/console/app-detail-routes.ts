// An application's page and the forms that answer with it: settings, and secret rotation
// (after its confirmation), whose new secret is shown once on the answer. The forms that end
// sessions or delete the app are in app-actions-routes.ts.
import type { FastifyReply } from 'fastify';
import { checkBackchannelUri, checkRedirectUri } from '../../../domain/apps/redirect-uris.ts';
import { type App, TOKEN_ENDPOINT_AUTH_METHODS } from '../../../domain/model.ts';
import type { HttpContext } from '../../context.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import { type AppPageView, appPage } from './app-detail-view.ts';
import { type SettingsErrors, type SettingsForm, settingsFormOf } from './app-settings-view.ts';
import { confirmed, confirmPage } from './confirm-view.ts';
import { type AppRequest, type ConsoleGuard, positive, type Signed, show } from './console-guard.ts';
import { appPath } from './console-layout.ts';

const ACTIVE_PAGE_SIZE = 50;

/** A textarea's non-blank lines, trimmed: one URI a line. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

export function appDetailRoutes(app: PageApp, ctx: HttpContext, guard: ConsoleGuard) {
  const { services } = ctx;

  async function renderApp(
    req: AppRequest,
    reply: FastifyReply,
    s: Signed,
    found: App,
    extra: { form?: SettingsForm; errors?: SettingsErrors; rotated?: string | null; status?: number } = {},
  ) {
    const page = positive(single(req.query, 'page'));
    const view: AppPageView = {
      app: found,
      streams: await services.streamLedger.ledger(s.pool.id, found.id),
      now: services.clock.now(),
      form: extra.form ?? settingsFormOf(found),
      errors: extra.errors ?? {},
      rotated: extra.rotated ?? null,
      active: await services.sessions.activeUsersOfApp(s.pool.id, found.id, page, ACTIVE_PAGE_SIZE),
      page,
      pageSize: ACTIVE_PAGE_SIZE,
    };
    return show(reply, appPage(guard.frame(req, reply, s, 'apps'), view), extra.status ?? 200);
  }

  app.get<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply);
      if (!target) return reply;
      const { s, app: found } = target;
      return renderApp(req, reply, s, found);
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/settings',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const form: SettingsForm = {
        name: (single(req.body, 'name') ?? '').trim(),
        redirectUris: single(req.body, 'redirectUris') ?? '',
        logoutRedirectUris: single(req.body, 'logoutRedirectUris') ?? '',
        backchannelLogoutUri: (single(req.body, 'backchannelLogoutUri') ?? '').trim(),
        tokenEndpointAuthMethod: single(req.body, 'tokenEndpointAuthMethod') ?? found.tokenEndpointAuthMethod,
        // An unchecked box is absent from the form: the form always renders it, so absent is off.
        ssfEnabled: single(req.body, 'ssfEnabled') === 'on',
      };
      const errors: SettingsErrors = {};
      if (form.name === '' || form.name.length > 200) errors.name = 'Enter a name of at most 200 characters.';
      const checkLines = (key: 'redirectUris' | 'logoutRedirectUris') => {
        const list = lines(form[key]);
        if (list.length > 100) errors[key] = 'At most 100 URIs.';
        for (const [i, uri] of list.entries()) {
          const problem = checkRedirectUri(uri);
          if (problem) {
            errors[key] = `Line ${i + 1}: ${problem}.`;
            break;
          }
        }
        return list;
      };
      const redirectUris = checkLines('redirectUris');
      const logoutRedirectUris = checkLines('logoutRedirectUris');
      if (form.backchannelLogoutUri !== '') {
        const problem = checkBackchannelUri(form.backchannelLogoutUri);
        if (problem) errors.backchannelLogoutUri = `It ${problem}.`;
      }
      const method = TOKEN_ENDPOINT_AUTH_METHODS.find((m) => m === form.tokenEndpointAuthMethod);
      if (!method) errors.tokenEndpointAuthMethod = 'Choose one of the ways listed.';
      if (Object.keys(errors).length > 0 || !method)
        return renderApp(req, reply, s, found, { form, errors, status: 400 });
      const updated = await services.apps.update(s.pool.id, found.id, {
        name: form.name,
        redirectUris,
        logoutRedirectUris,
        backchannelLogoutUri: form.backchannelLogoutUri === '' ? null : form.backchannelLogoutUri,
        tokenEndpointAuthMethod: method,
        ssfEnabled: form.ssfEnabled,
      });
      if (!updated.ok && updated.reason === 'invalid') {
        const refused = { [updated.field]: `It ${updated.problem}.` };
        return renderApp(req, reply, s, found, { form, errors: refused, status: 400 });
      }
      return redirectTo(reply, `${appPath(s.pool.id, found.id)}?notice=settings-saved`);
    },
  );

  app.post<{ Params: { poolId: string; appId: string } }>(
    '/console/pools/:poolId/apps/:appId/rotate-secret',
    { schema: { hide: true } },
    async (req, reply) => {
      const target = await guard.signedInToApp(req, reply, { form: true });
      if (!target) return reply;
      const { s, app: found } = target;
      const path = appPath(s.pool.id, found.id);
      if (!confirmed(req.body)) {
        return show(
          reply,
          confirmPage(guard.frame(req, reply, s, 'apps'), {
            title: `Rotate the secret of ${found.name}?`,
            consequence: `The current secret stops working at once: until ${found.name} is given the new one, it cannot redeem sign-ins or call Signoff with its secret. The new secret is shown once, on the next page.`,
            action: `${path}/rotate-secret`,
            cancel: `${path}#secret-rotate-title`,
          }),
        );
      }
      const rotated = await services.apps.rotateSecret(s.pool.id, found.id);
      if (!rotated) return guard.notFound(reply, 'This pool has no application with this id.');
      return renderApp(req, reply, s, rotated.app, { rotated: rotated.secret });
    },
  );
}
