// OpenID Connect RP-Initiated Logout 1.0 at each issuer's session/end, served by Signoff itself
// (oidc-provider's own end session is switched off): the logout goes through the session core,
// so the Signoff session, single sign-on, every grant's tokens (offline_access included) and
// the audit trail all end together, and apps are told by the outbox.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { type JWTHeader, type JWTPayload, verifyJWT } from '../domain/tokens/jwt.ts';
import { ADMIN_AUDIENCE } from '../domain/tokens/tokens.ts';
import type { App, HttpContext } from '../http/context.ts';
import { expireBrowserCookies } from '../http/pages/browser-cookies.ts';
import { CSRF_FIELD, type Csrf } from '../http/pages/csrf.ts';
import { endSessionConfirmPage, oidcProblemPage } from '../http/pages/end-session-view.ts';
import { signedOutPage } from '../http/pages/message-views.ts';
import { sendPage } from '../http/pages/page-reply.ts';
import { readSessionCookie } from '../http/session-cookie.ts';
import { type Issuer, type Issuers, OIDC_PREFIX } from './issuers.ts';

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

/**
 * Whether a token Signoff signed is an ID token: every other token it signs says what it is in
 * `typ` (at+jwt, logout+jwt, secevent+jwt) or in its audience (the management API), and ID
 * tokens carry no scope or events (OIDC Core §2; RFC 9068 §2.1; Back-Channel Logout 1.0 §2.4).
 */
function isIdToken(header: JWTHeader, payload: JWTPayload): boolean {
  if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT') return false;
  return (
    payload.aud !== ADMIN_AUDIENCE &&
    payload.scope === undefined &&
    payload.events === undefined &&
    payload.client_id === undefined
  );
}

const invalid = (reply: FastifyReply, why: string) =>
  sendPage(reply, oidcProblemPage('This sign-out request is not valid', why), { status: 400 });

export function endSessionRoutes(app: App, ctx: HttpContext, issuers: Issuers, csrf: Csrf) {
  const { services } = ctx;

  async function endSession(
    req: FastifyRequest,
    reply: FastifyReply,
    issuer: Issuer | null,
    input: EndSessionInput,
    confirmed: boolean,
  ) {
    if (!issuer) {
      return sendPage(
        reply,
        oidcProblemPage('Unknown issuer', 'There is no sign-in service at this address.'),
        {
          status: 404,
        },
      );
    }
    const { poolId } = issuer;
    let clientId = input.client_id;
    let hinted: { sub: string; sid: string | null } | null = null;
    // An expired hint still names the client and the user (RP-Initiated Logout 1.0 §2 allows
    // it), but it is no proof that the app asks now: the user confirms.
    let hintExpired = false;
    if (input.id_token_hint) {
      const checked = verifyJWT(input.id_token_hint, services.keys, 0);
      const aud = checked.ok ? checked.payload.aud : undefined;
      const audience = Array.isArray(aud) ? aud[0] : aud;
      if (
        !checked.ok ||
        checked.payload.iss !== issuer.issuer ||
        typeof audience !== 'string' ||
        typeof checked.payload.sub !== 'string'
      ) {
        return invalid(reply, 'The application sent an ID token Signoff did not issue.');
      }
      if (!isIdToken(checked.header, checked.payload)) {
        return invalid(reply, 'The id_token_hint is not an ID token (an access or other token is no hint).');
      }
      if (clientId && clientId !== audience) return invalid(reply, 'client_id does not match the ID token.');
      clientId = audience;
      hinted = {
        sub: checked.payload.sub,
        sid: typeof checked.payload.sid === 'string' ? checked.payload.sid : null,
      };
      hintExpired = (checked.payload.exp ?? 0) <= Math.floor(services.clock.now() / 1000);
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

    // Without an ID token hint (or with an expired one) the OP must ask the user (RP-Initiated
    // Logout 1.0 §2).
    if ((!hinted || hintExpired) && !confirmed) {
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(input)) {
        if (k === CSRF_FIELD || (unregistered && k === 'post_logout_redirect_uri') || typeof v !== 'string')
          continue;
        fields[k] = v;
      }
      const page = endSessionConfirmPage({
        app,
        fields,
        csrf: csrf.token(req, reply),
        refusedRedirect: unregistered,
        action: `${issuer.path}/session/end/confirm`,
      });
      // The confirmation's answer is a 303 to the app's address, and browsers hold the whole
      // redirect chain of a form to its form-action: the registered address is allowed there,
      // or Chromium would stay on this page after Sign out.
      return sendPage(reply, page, { status, formActions: redirect === undefined ? [] : [redirect] });
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

    expireBrowserCookies(req, reply, ctx.cookie, csrf);
    if (redirect !== undefined) {
      const target = new URL(redirect);
      if (input.state !== undefined) target.searchParams.set('state', input.state);
      return reply.redirect(target.href, 303);
    }
    return sendPage(reply, signedOutPage({ refusedRedirect: unregistered }), { status });
  }

  const confirm = (
    req: FastifyRequest,
    reply: FastifyReply,
    issuer: Issuer | null,
    input: EndSessionInput,
  ) => {
    if (!csrf.verify(req, input.csrf ?? null)) {
      return sendPage(
        reply,
        oidcProblemPage('This form has expired', 'Start signing out again from the application.'),
        {
          status: 403,
        },
      );
    }
    return endSession(req, reply, issuer, input, true);
  };

  // The default pool's issuer, then every other pool's.
  const defaultIssuer = () => {
    const poolId = services.defaultPoolId();
    return poolId ? issuers.forPool(poolId) : null;
  };
  const poolIssuer = (poolId: string) => {
    const target = issuers.resolve(`${OIDC_PREFIX}/pools/${poolId}`);
    return target ? issuers.forPool(target.poolId) : null;
  };
  const PoolParams = Type.Object({ poolId: Type.String({ maxLength: 64 }) });
  const END = '/session/end';

  app.get(`${OIDC_PREFIX}${END}`, { schema: { hide: true, querystring: EndSessionParams } }, (req, reply) =>
    endSession(req, reply, defaultIssuer(), req.query, false),
  );
  app.post(`${OIDC_PREFIX}${END}`, { schema: { hide: true, body: EndSessionParams } }, (req, reply) =>
    endSession(req, reply, defaultIssuer(), req.body, false),
  );
  app.post(`${OIDC_PREFIX}${END}/confirm`, { schema: { hide: true, body: EndSessionParams } }, (req, reply) =>
    confirm(req, reply, defaultIssuer(), req.body),
  );
  app.get(
    `${OIDC_PREFIX}/pools/:poolId${END}`,
    { schema: { hide: true, params: PoolParams, querystring: EndSessionParams } },
    (req, reply) => endSession(req, reply, poolIssuer(req.params.poolId), req.query, false),
  );
  app.post(
    `${OIDC_PREFIX}/pools/:poolId${END}`,
    { schema: { hide: true, params: PoolParams, body: EndSessionParams } },
    (req, reply) => endSession(req, reply, poolIssuer(req.params.poolId), req.body, false),
  );
  app.post(
    `${OIDC_PREFIX}/pools/:poolId${END}/confirm`,
    { schema: { hide: true, params: PoolParams, body: EndSessionParams } },
    (req, reply) => confirm(req, reply, poolIssuer(req.params.poolId), req.body),
  );
}
