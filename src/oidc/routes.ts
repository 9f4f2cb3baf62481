// Mounting the provider under /oidc, and the two pieces of the OIDC surface Signoff serves
// itself: the interaction (sign-in decision) and end session (through the session core).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { verifyJWT } from '../domain/tokens/jwt.ts';
import type { App, HttpContext } from '../http/context.ts';
import { expireBrowserCookies } from '../http/pages/browser-cookies.ts';
import { CSRF_FIELD, type Csrf } from '../http/pages/csrf.ts';
import { endSessionConfirmPage, oidcProblemPage } from '../http/pages/end-session-view.ts';
import { signedOutPage } from '../http/pages/message-views.ts';
import { sendPage } from '../http/pages/page-reply.ts';
import { readSessionCookie } from '../http/session-cookie.ts';
import { type OIDC, OIDC_PREFIX } from './provider.ts';

const INTERACTION = `${OIDC_PREFIX}/interaction/`;
const END_SESSION = `${OIDC_PREFIX}/session/end`;

const EndSessionParams = Type.Object({
  id_token_hint: Type.Optional(Type.String({ maxLength: 8192 })),
  post_logout_redirect_uri: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 2048 })),
  client_id: Type.Optional(Type.String({ maxLength: 64 })),
  logout_hint: Type.Optional(Type.String({ maxLength: 512 })),
  ui_locales: Type.Optional(Type.String({ maxLength: 256 })),
  csrf: Type.Optional(Type.String({ maxLength: 128 })),
});
type EndSessionInput = Static<typeof EndSessionParams>;

export function oidcRoutes(app: App, ctx: HttpContext, oidc: OIDC, csrf: Csrf) {
  const { services } = ctx;

  // Everything under /oidc but Signoff's own routes goes to oidc-provider, before Fastify
  // parses the body: the provider reads the raw request itself. The path is re-based the way
  // a mounted sub-application sees it (originalUrl keeps the prefix, url loses it).
  app.addHook('onRequest', (req, reply, done) => {
    const url = req.raw.url ?? '';
    if (
      (url !== OIDC_PREFIX && !url.startsWith(`${OIDC_PREFIX}/`) && !url.startsWith(`${OIDC_PREFIX}?`)) ||
      url.startsWith(INTERACTION) ||
      url === END_SESSION ||
      url.startsWith(`${END_SESSION}?`) ||
      url.startsWith(`${END_SESSION}/confirm`)
    ) {
      done();
      return;
    }
    reply.hijack();
    const raw = req.raw as typeof req.raw & { originalUrl?: string };
    raw.originalUrl = url;
    raw.url = url.slice(OIDC_PREFIX.length) || '/';
    oidc.provider().callback()(raw, reply.raw);
  });

  app.get(
    `${INTERACTION}:uid`,
    { schema: { hide: true, params: Type.Object({ uid: Type.String({ maxLength: 64 }) }) } },
    async (req, reply) => {
      const provider = oidc.provider();
      let details: Awaited<ReturnType<typeof provider.interactionDetails>>;
      try {
        details = await provider.interactionDetails(req.raw, reply.raw);
      } catch {
        return sendPage(
          reply,
          oidcProblemPage(
            'This sign-in request has expired',
            'Go back to the application and start signing in again.',
          ),
          { status: 400 },
        );
      }
      if (details.uid !== req.params.uid) {
        return sendPage(
          reply,
          oidcProblemPage('Sign-in request mismatch', 'Start again from the application.'),
          {
            status: 400,
          },
        );
      }
      const clientId = String(details.params.client_id);
      const here = `${INTERACTION}${details.uid}`;
      const silent = await oidc.silentSignIn(readSessionCookie(req) ?? undefined, clientId);
      // prompt=login or max_age: only a password entered after this request was made counts.
      const forced =
        details.prompt.reasons.includes('login_prompt') || details.prompt.reasons.includes('max_age');
      const createdAt = ((details as { iat?: number }).iat ?? 0) * 1000;
      const needsPassword = !silent.ok || (forced && silent.session.authenticatedAt < createdAt);
      if (needsPassword) {
        const prompt = forced || (!silent.ok && silent.reason === 'reauthenticate') ? '&prompt=login' : '';
        return reply.redirect(`/login?return_to=${encodeURIComponent(here)}${prompt}`, 303);
      }

      const { session } = silent;
      const appSession = await services.sessions.joinApp(session, clientId);
      // A fresh grant for every interaction, tied to this Signoff session and app session:
      // ending either deletes it with every code and token issued under it.
      const grant = new provider.Grant({ accountId: session.userId, clientId });
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      grant.addOIDCScope(
        [
          ...new Set([
            'openid',
            ...(missing.missingOIDCScope ?? []),
            ...String(details.params.scope ?? '').split(' '),
          ]),
        ]
          .filter(Boolean)
          .join(' '),
      );
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await services.store.oidc.linkGrant({
        grantId,
        poolId: oidc.poolId(),
        sessionId: session.id,
        appSessionId: appSession.id,
        createdAt: services.clock.now(),
      });
      reply.hijack();
      await provider.interactionFinished(
        req.raw,
        reply.raw,
        {
          login: {
            accountId: session.userId,
            ts: Math.floor(session.authenticatedAt / 1000),
            remember: true,
          },
          consent: { grantId },
        },
        { mergeWithLastSubmission: false },
      );
    },
  );

  async function endSession(
    req: FastifyRequest,
    reply: FastifyReply,
    input: EndSessionInput,
    confirmed: boolean,
  ) {
    const poolId = oidc.poolId();
    let clientId = input.client_id;
    let hinted: { sub: string; sid: string | null } | null = null;
    if (input.id_token_hint) {
      // The hint may have expired (RP-Initiated Logout 1.0 §2): signature and issuer count.
      const checked = verifyJWT(input.id_token_hint, services.keys, 0);
      const aud = checked.ok ? checked.payload.aud : undefined;
      const audience = Array.isArray(aud) ? aud[0] : aud;
      if (
        !checked.ok ||
        checked.payload.iss !== oidc.issuer() ||
        typeof audience !== 'string' ||
        typeof checked.payload.sub !== 'string'
      ) {
        return sendPage(
          reply,
          oidcProblemPage(
            'This sign-out request is not valid',
            'The application sent an ID token Signoff did not issue.',
          ),
          { status: 400 },
        );
      }
      if (clientId && clientId !== audience) {
        return sendPage(
          reply,
          oidcProblemPage('This sign-out request is not valid', 'client_id does not match the ID token.'),
          { status: 400 },
        );
      }
      clientId = audience;
      hinted = {
        sub: checked.payload.sub,
        sid: typeof checked.payload.sid === 'string' ? checked.payload.sid : null,
      };
    }
    const app = clientId ? await services.apps.get(poolId, clientId) : null;
    if (clientId && !app) {
      return sendPage(
        reply,
        oidcProblemPage('Unknown application', 'The application asking to sign you out is not registered.'),
        { status: 400 },
      );
    }
    // Only a URI the app registered, compared as an exact string, is ever followed. An
    // unregistered one is dropped: the logout itself still happens (after confirmation when
    // there is no hint), answered with a 400 page that says why there is no redirect.
    const unregistered =
      input.post_logout_redirect_uri !== undefined &&
      !app?.logoutRedirectUris.includes(input.post_logout_redirect_uri);
    const redirect = unregistered ? undefined : input.post_logout_redirect_uri;
    const status = unregistered ? 400 : 200;

    // Without an ID token hint the OP must ask the user (RP-Initiated Logout 1.0 §2).
    if (!hinted && !confirmed) {
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(input)) {
        if (k === CSRF_FIELD || (unregistered && k === 'post_logout_redirect_uri') || typeof v !== 'string')
          continue;
        fields[k] = v;
      }
      return sendPage(
        reply,
        endSessionConfirmPage({ app, fields, csrf: csrf.token(req, reply), refusedRedirect: unregistered }),
        { status },
      );
    }

    const ended: string[] = [];
    let userId: string | null = null;
    const secret = readSessionCookie(req);
    const browser = secret ? await services.sessions.fromCookie(secret) : null;
    if (browser && browser.poolId === poolId && (!hinted || hinted.sub === browser.userId)) {
      ended.push(browser.id);
      userId = browser.userId;
    }
    if (hinted?.sid && !ended.includes(hinted.sid)) {
      const named = await services.sessions.get(poolId, hinted.sid);
      if (named && named.endedAt === null && named.userId === hinted.sub) {
        ended.push(named.id);
        userId = named.userId;
      }
    }
    if (userId) await services.logout.endBrowserSessions(poolId, userId, ended, app?.id ?? null);

    expireBrowserCookies(reply, ctx.cookie, csrf);
    if (redirect !== undefined) {
      const target = new URL(redirect);
      if (input.state !== undefined) target.searchParams.set('state', input.state);
      return reply.redirect(target.href, 303);
    }
    return sendPage(reply, signedOutPage({ refusedRedirect: unregistered }), { status });
  }

  app.get(END_SESSION, { schema: { hide: true, querystring: EndSessionParams } }, (req, reply) =>
    endSession(req, reply, req.query, false),
  );
  app.post(END_SESSION, { schema: { hide: true, body: EndSessionParams } }, (req, reply) =>
    endSession(req, reply, req.body, false),
  );
  app.post(
    `${END_SESSION}/confirm`,
    { schema: { hide: true, body: EndSessionParams } },
    async (req, reply) => {
      if (!csrf.verify(req, req.body.csrf ?? null)) {
        return sendPage(
          reply,
          oidcProblemPage('This form has expired', 'Start signing out again from the application.'),
          { status: 403 },
        );
      }
      return endSession(req, reply, req.body, true);
    },
  );
}
