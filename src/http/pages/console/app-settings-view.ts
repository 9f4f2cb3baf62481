// An application's Settings section (name, redirect and logout redirect URIs, back-channel
// URI, token endpoint auth, Shared Signals) with each mistake shown at its field, and the
// card that shows a new secret once (a new app, a rotation).
import type { App, TokenEndpointAuthMethod } from '../../../domain/model.ts';
import { html } from '../html.ts';
import { icons } from '../icons.ts';
import { csrfField } from '../layout.ts';
import { appPath } from './console-layout.ts';
import { field } from './form-fields.ts';

/** A secret just made (a new app, a rotation): shown on this answer only. */
export function secretCard(app: App, secret: string, what: 'created' | 'rotated') {
  return html`<section class="card secret-card" aria-labelledby="secret-title">
  <h2 id="secret-title">${what === 'created' ? `${app.name} created` : 'New secret'}</h2>
  <p>The application's secret is shown <strong>only this once</strong>. Copy it now: Signoff keeps only a hash of it.</p>
  <p class="secret"><code>${secret}</code></p>
  ${what === 'created' ? html`<p><a href="${appPath(app.poolId, app.id)}">Open ${app.name}</a></p>` : html`<p class="muted small">The previous secret no longer works.</p>`}
</section>`;
}

export interface SettingsForm {
  name: string;
  redirectUris: string;
  logoutRedirectUris: string;
  backchannelLogoutUri: string;
  tokenEndpointAuthMethod: string;
  ssfEnabled: boolean;
}

export type SettingsErrors = Partial<Record<keyof SettingsForm, string>>;

export const settingsFormOf = (app: App): SettingsForm => ({
  name: app.name,
  redirectUris: app.redirectUris.join('\n'),
  logoutRedirectUris: app.logoutRedirectUris.join('\n'),
  backchannelLogoutUri: app.backchannelLogoutUri ?? '',
  tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
  ssfEnabled: app.ssfEnabled,
});

const AUTH_METHODS: { value: TokenEndpointAuthMethod; label: string; hint: string }[] = [
  {
    value: 'client_secret_basic',
    label: 'Confidential, secret in the Authorization header (client_secret_basic)',
    hint: 'A web app with a server. Its secret also works in the request body.',
  },
  {
    value: 'client_secret_post',
    label: 'Confidential, secret in the request body (client_secret_post)',
    hint: 'A web app with a server. Its secret also works in the Authorization header.',
  },
  {
    value: 'none',
    label: 'Public, no secret (none)',
    hint: 'A single-page or native app, which cannot keep a secret. PKCE is required.',
  },
];

function authMethodField(form: SettingsForm, errors: SettingsErrors) {
  const error = errors.tokenEndpointAuthMethod;
  return html`<fieldset class="field"${error ? html` aria-describedby="tokenEndpointAuthMethod-error"` : null}>
  <legend>How the app signs in to the token endpoint</legend>
  ${AUTH_METHODS.map(
    (m) =>
      html`<label class="choice"><input type="radio" name="tokenEndpointAuthMethod" value="${m.value}"${form.tokenEndpointAuthMethod === m.value ? html` checked` : null}> <span>${m.label}<span class="muted small block">${m.hint}</span></span></label>`,
  )}
  ${error ? html`<p class="field-error" id="tokenEndpointAuthMethod-error" role="alert">${error}</p>` : null}
</fieldset>`;
}

export function settingsSection(input: {
  csrf: string;
  path: string;
  form: SettingsForm;
  errors: SettingsErrors;
}) {
  const { form, errors } = input;
  return html`<section class="card" aria-labelledby="settings-title">
  <h2 id="settings-title">Settings</h2>
  ${Object.keys(errors).length > 0 ? html`<div class="alert" role="alert">${icons.alert}<p>Some settings are not valid. Nothing was saved.</p></div>` : null}
  <form method="post" action="${input.path}/settings" class="stack" novalidate>
    ${csrfField(input.csrf)}
    ${field({ id: 'name', label: 'Name', value: form.name, error: errors.name })}
    ${field({ id: 'redirectUris', label: 'Redirect URIs', value: form.redirectUris, error: errors.redirectUris, kind: 'lines', hint: 'One per line. Where sign-ins may return to.' })}
    ${field({ id: 'logoutRedirectUris', label: 'Logout redirect URIs', value: form.logoutRedirectUris, error: errors.logoutRedirectUris, kind: 'lines', hint: 'One per line. The only places a logout may redirect to, matched exactly.' })}
    ${field({ id: 'backchannelLogoutUri', label: 'Back-channel logout URI', value: form.backchannelLogoutUri, error: errors.backchannelLogoutUri, hint: 'Optional. Where Signoff posts a logout token when a session in this app ends.' })}
    ${authMethodField(form, errors)}
    <div class="field"><label class="choice"><input type="checkbox" name="ssfEnabled" value="on"${form.ssfEnabled ? html` checked` : null}> <span>Shared Signals receiver<span class="muted small block">A confidential app may open event streams (client credentials with scope ssf) and be told of every session of its users that ends.</span></span></label></div>
    <div><button type="submit" class="button button-primary">Save settings</button></div>
  </form>
</section>`;
}
