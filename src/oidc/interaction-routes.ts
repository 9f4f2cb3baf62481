// The OIDC interaction (the sign-in decision), one route per issuer: a browser with a live
// Signoff session of the pool goes straight back to the app (single sign-on); otherwise, or when
// the app or an administrator's kick asks for the password, it goes to the hosted login page
// and comes back here.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { App, HttpContext } from '../http/context.ts';
import { oidcProblemPage } from '../http/pages/end-session-view.ts';
import { sendPage } from '../http/pages/page-reply.ts';
import { readSessionCookie } from '../http/session-cookie.ts';
import { MACHINE_SCOPES } from './client-metadata.ts';
import { type Issuer, type Issuers, OIDC_PREFIX } from './issuers.ts';

const Uid = Type.String({ maxLength: 64 });

export function interactionRoutes(app: App, ctx: HttpContext, issuers: Issuers) {
  const { services } = ctx;

  async function interaction(req: FastifyRequest, reply: FastifyReply, issuer: Issuer | null, uid: string) {
    if (!issuer) {
      return sendPage(reply, oidcProblemPage('Unknown issuer', 'Start again from the application.'), {
        status: 404,
      });
    }
    const { provider, poolId } = issuer;
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
    if (details.uid !== uid) {
      return sendPage(
        reply,
        oidcProblemPage('Sign-in request mismatch', 'Start again from the application.'),
        {
          status: 400,
        },
      );
    }
    const clientId = String(details.params.client_id);
    const here = `${issuer.path}/interaction/${details.uid}`;
    const silent = await issuers.silentSignIn(poolId, readSessionCookie(req) ?? undefined, clientId);
    // prompt=login or max_age: only a password entered after this request was made counts.
    const forced =
      details.prompt.reasons.includes('login_prompt') || details.prompt.reasons.includes('max_age');
    const createdAt = ((details as { iat?: number }).iat ?? 0) * 1000;
    const needsPassword = !silent.ok || (forced && silent.session.authenticatedAt < createdAt);
    if (needsPassword) {
      const pool = poolId === services.defaultPoolId() ? '' : `&pool=${encodeURIComponent(poolId)}`;
      const prompt = forced || (!silent.ok && silent.reason === 'reauthenticate') ? '&prompt=login' : '';
      return reply.redirect(`/login?return_to=${encodeURIComponent(here)}${pool}${prompt}`, 303);
    }

    // A user's sign-in grants user scopes only: an app's machine scopes (ssf) come with its
    // own client-credentials token, never with a user's. Asked for here, they are an error
    // the app gets back (RFC 6749 §4.1.2.1 invalid_scope), not a consent to loop on.
    const requested = String(details.params.scope ?? '')
      .split(' ')
      .filter((s) => s !== '');
    const machine = requested.filter((s) => (MACHINE_SCOPES as readonly string[]).includes(s));
    if (machine.length > 0) {
      reply.hijack();
      await provider.interactionFinished(
        req.raw,
        reply.raw,
        {
          error: 'invalid_scope',
          error_description: `${machine.join(' ')} is granted to the app itself (client credentials), not with a user's sign-in`,
        },
        { mergeWithLastSubmission: false },
      );
      return;
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
    const scopes = new Set(['openid', ...(missing.missingOIDCScope ?? []), ...requested]);
    grant.addOIDCScope([...scopes].join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, resourceScopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, resourceScopes.join(' '));
    }
    const grantId = await grant.save();
    await services.store.oidc.linkGrant({
      grantId,
      poolId,
      sessionId: session.id,
      appSessionId: appSession.id,
      createdAt: services.clock.now(),
    });
    reply.hijack();
    await provider.interactionFinished(
      req.raw,
      reply.raw,
      {
        login: { accountId: session.userId, ts: Math.floor(session.authenticatedAt / 1000), remember: true },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }

  app.get(
    `${OIDC_PREFIX}/interaction/:uid`,
    { schema: { hide: true, params: Type.Object({ uid: Uid }) } },
    (req, reply) => {
      const poolId = services.defaultPoolId();
      return interaction(req, reply, poolId ? issuers.forPool(poolId) : null, req.params.uid);
    },
  );
  app.get(
    `${OIDC_PREFIX}/pools/:poolId/interaction/:uid`,
    { schema: { hide: true, params: Type.Object({ poolId: Type.String({ maxLength: 64 }), uid: Uid }) } },
    (req, reply) => {
      const target = issuers.resolve(`${OIDC_PREFIX}/pools/${req.params.poolId}`);
      return interaction(req, reply, target ? issuers.forPool(target.poolId) : null, req.params.uid);
    },
  );
}
