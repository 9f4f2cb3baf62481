// The three kinds of OIDC app a Signoff application can be, and how openid-client (a relying
// party nobody here wrote) is set up for each, the way its documentation shows.
import * as oidc from 'openid-client';

export type ClientKind = 'public' | 'client_secret_basic' | 'client_secret_post';
export const CLIENT_KINDS: ClientKind[] = ['public', 'client_secret_basic', 'client_secret_post'];

/** The application body field that makes an app of this kind. */
export const authMethodOf = (kind: ClientKind) => (kind === 'public' ? 'none' : kind);

/** openid-client's Configuration for an app of this kind (http issuers need allowInsecureRequests). */
export function discover(issuer: string, app: { id: string; secret: string }, kind: ClientKind) {
  const options = { execute: [oidc.allowInsecureRequests] };
  const url = new URL(issuer);
  if (kind === 'public') return oidc.discovery(url, app.id, undefined, oidc.None(), options);
  if (kind === 'client_secret_basic') {
    return oidc.discovery(url, app.id, undefined, oidc.ClientSecretBasic(app.secret), options);
  }
  // discovery(issuer, id, secret) exactly as written in openid-client's docs: it sends
  // client_secret_post.
  return oidc.discovery(url, app.id, app.secret, undefined, options);
}

/** The OAuth error code of a failed openid-client call: in the body, or in WWW-Authenticate (Basic). */
export async function oauthError(call: Promise<unknown>): Promise<string | undefined> {
  const error = (await call.then(
    () => null,
    (e: unknown) => e,
  )) as { error?: string; cause?: { parameters?: { error?: string } }[] } | null;
  return error?.error ?? error?.cause?.[0]?.parameters?.error;
}
