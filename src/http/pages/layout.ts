// The page shell every hosted page shares: brand header (with the account menu when someone is
// signed in), one <main>, a footer. No script anywhere; the account menu is a <details>
// disclosure, so it opens with a click, Enter or Space without JavaScript.
import type { User } from '../../domain/model.ts';
import { STYLESHEET_URL } from './assets.ts';
import { CSRF_FIELD } from './csrf.ts';
import { html, type Markup, type Renderable } from './html.ts';
import { brandMark, icons } from './icons.ts';

export interface Account {
  user: User;
  /** The CSRF token for the menu's Log out form. */
  csrf: string;
}

export interface LayoutInput {
  title: string;
  main: Renderable;
  /** The signed-in user: shows the account menu. */
  account?: Account | null;
  /** A centred single card (sign-in, signed out) rather than the wide account layout. */
  narrow?: boolean;
}

/** How a user is named where one handle is needed: the one they sign in with first. */
export const handleOf = (user: User) => user.username ?? user.email ?? user.name ?? 'your account';

/** How a user is greeted: their name when they have one. */
export const displayNameOf = (user: User) => user.name ?? handleOf(user);

/** The first letter of the display name, whole even when it is outside the BMP. */
export const initialOf = (user: User) => Array.from(displayNameOf(user).trim())[0]?.toUpperCase() ?? '?';

export const csrfField = (token: string) => html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;

function accountMenu({ user, csrf }: Account): Markup {
  const handle = handleOf(user);
  return html`<details class="account-menu">
  <summary><span class="avatar" aria-hidden="true">${initialOf(user)}</span><span class="visually-hidden">Account menu for </span><span class="account-name">${handle}</span>${icons.chevron}</summary>
  <div class="menu-panel">
    <div class="menu-identity">
      <span class="avatar" aria-hidden="true">${initialOf(user)}</span>
      <div class="menu-identity-text">
        <p class="menu-identity-name">${displayNameOf(user)}</p>
        ${user.email ? html`<p class="menu-identity-email">${user.email}</p>` : null}
      </div>
    </div>
    <nav aria-label="Account">
      <a class="menu-item" href="/u">${icons.user}Your account</a>
    </nav>
    <form method="post" action="/u/logout">
      ${csrfField(csrf)}
      <button type="submit" class="menu-item">${icons.logOut}Log out</button>
    </form>
  </div>
</details>`;
}

/** The HTML document every hosted page shares; the personal pages and the console fill it. */
export function documentShell(input: {
  title: string;
  brand: { href: string; tag: string };
  header: Renderable;
  body: Renderable;
  footer: Renderable;
  refreshSeconds?: number | undefined;
  /** A class for <body>: a family of pages styled apart (the console's wider header). */
  bodyClass?: string | undefined;
}): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
${input.refreshSeconds ? html`<meta http-equiv="refresh" content="${input.refreshSeconds}">` : null}
<title>${input.title}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${STYLESHEET_URL}">
</head>
<body${input.bodyClass ? html` class="${input.bodyClass}"` : null}>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header">
  <div class="site-header-inner">
    <a class="brand" href="${input.brand.href}">${brandMark}<span>Signoff</span><span class="brand-tag">${input.brand.tag}</span></a>
    ${input.header}
  </div>
</header>
${input.body}
<footer class="site-footer">
  <p>${input.footer}</p>
</footer>
</body>
</html>
`;
}

export function layout(input: LayoutInput): Markup {
  return documentShell({
    title: `${input.title} · Signoff`,
    brand: { href: input.account ? '/u' : '/login', tag: 'Account' },
    header: input.account ? accountMenu(input.account) : null,
    body: html`<main id="main" class="site-main${input.narrow ? ' narrow' : ''}">
${input.main}
</main>`,
    footer: 'Protected by Signoff',
  });
}
