// The page at `/`: what this server is and where to go — the hosted pages for people, the
// machine-readable entry points for developers, and where the documentation lives.
import { html } from './html.ts';
import { layout } from './layout.ts';

export interface HomeView {
  /** The default pool's OIDC issuer. */
  issuer: string;
}

export function homePage(view: HomeView) {
  return layout({
    title: 'Signoff',
    narrow: true,
    main: html`<div class="card card-lg stack">
  <div class="stack">
    <h1>Signoff</h1>
    <p class="lead">This server signs people in to applications and signs them out — everywhere, at once.</p>
  </div>
  <nav aria-label="Pages" class="stack">
    <a class="button button-primary button-block" href="/login">Sign in</a>
    <a class="button button-secondary button-block" href="/u">Your account: devices and sessions</a>
    <a class="button button-secondary button-block" href="/console">Administrator console</a>
  </nav>
  <div class="note stack" role="note">
    <h2 class="small">For developers</h2>
    <ul>
      <li><a href="/api/openapi.json">API reference</a> (OpenAPI 3.1)</li>
      <li><a href="/oidc/.well-known/openid-configuration">OpenID Connect discovery</a> — issuer <code>${view.issuer}</code></li>
      <li><a href="/health">Health</a></li>
    </ul>
    <p>The documentation is in Signoff’s source: <code>README.md</code> and the <code>docs/</code> folder.</p>
  </div>
</div>`,
  });
}
