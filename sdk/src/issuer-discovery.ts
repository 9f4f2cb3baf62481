// Where an issuer's keys, tokens and Shared Signals are: its OpenID configuration (token
// endpoint, jwks_uri) and its SSF metadata, at `/.well-known/ssf-configuration` + the issuer's
// path (SSF 1.0 §7.2), or under the issuer as Signoff also serves it. Each must name the issuer
// it was asked for (§7.2.3).
import { type FetchLike, SignoffError, SignoffErrorCode } from './http.ts';
import { failure, isRecord, type Json, REQUEST_TIMEOUT_MS, readJSON, within } from './json-response.ts';

/**
 * Where an issuer's keys, tokens and Shared Signals are, from its discovery documents.
 *
 * @example
 * ```ts
 * const metadata: IssuerMetadata = await discoverIssuer('https://id.example.com/oidc', defaultFetch());
 * console.log(metadata.jwksUri, metadata.configurationEndpoint);
 * ```
 */
export interface IssuerMetadata {
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  /** SSF 1.0 §7.1 configuration_endpoint: the stream management endpoint. */
  configurationEndpoint: string;
  statusEndpoint: string | null;
  /** Signoff's start-up route: this app's sessions that ended within a token lifetime. */
  revocationsEndpoint: string;
}

/**
 * Reads the issuer's OpenID configuration and SSF metadata. Throws a {@link SignoffError} when
 * either cannot be read or names another issuer.
 *
 * @example
 * ```ts
 * const metadata = await discoverIssuer('https://id.example.com/oidc', defaultFetch());
 * ```
 */
export async function discoverIssuer(issuer: string, fetch: FetchLike): Promise<IssuerMetadata> {
  const get = async (url: string) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: within(REQUEST_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new SignoffError(0, SignoffErrorCode.UNKNOWN, `${url}: ${String(cause)}`, { cause });
    }
    const body = await readJSON(response);
    if (!response.ok || !isRecord(body)) return { status: response.status, body: null };
    // OpenID Connect Discovery 1.0 §4.3, SSF 1.0 §7.2.3: the issuer named must be the one asked for.
    if (body.issuer !== issuer) {
      throw new SignoffError(
        response.status,
        SignoffErrorCode.UNKNOWN,
        `${url} names the issuer ${JSON.stringify(body.issuer)}, not ${issuer}`,
      );
    }
    return { status: response.status, body };
  };
  const openid = await get(`${issuer}/.well-known/openid-configuration`);
  if (!openid.body) throw failure(openid.status, `${issuer}/.well-known/openid-configuration`, null);
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname;
  let ssf = await get(`${url.origin}/.well-known/ssf-configuration${path}`);
  if (!ssf.body) ssf = await get(`${issuer}/.well-known/ssf-configuration`);
  if (!ssf.body) throw failure(ssf.status, `${issuer}: no Shared Signals transmitter metadata`, null);
  const string = (doc: Json, name: string) => {
    const value = doc[name];
    if (typeof value !== 'string') {
      throw new SignoffError(0, SignoffErrorCode.UNKNOWN, `${issuer}: discovery has no ${name}`);
    }
    return value;
  };
  return {
    issuer,
    jwksUri: string(openid.body, 'jwks_uri'),
    tokenEndpoint: string(openid.body, 'token_endpoint'),
    configurationEndpoint: string(ssf.body, 'configuration_endpoint'),
    statusEndpoint: typeof ssf.body.status_endpoint === 'string' ? ssf.body.status_endpoint : null,
    revocationsEndpoint: `${issuer}/ssf/revocations`,
  };
}
