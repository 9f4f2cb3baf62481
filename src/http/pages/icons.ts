// Inline SVG icons (decorative: aria-hidden). Inline SVG is markup, not an image load, so the
// CSP needs nothing for it; colours come from presentation attributes and currentColor, never
// from style attributes (which style-src 'self' forbids).
import { html } from './html.ts';

const icon = (paths: ReturnType<typeof html>, className = 'icon') =>
  html`<svg class="${className}" aria-hidden="true" focusable="false" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">${paths}</svg>`;

export const brandMark = html`<svg class="brand-mark" aria-hidden="true" focusable="false" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#2f54c9"/><path d="M13 9h-2.5A2.5 2.5 0 0 0 8 11.5v9a2.5 2.5 0 0 0 2.5 2.5H13" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/><path d="M17 11l5 5-5 5M22 16H13" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const icons = {
  chevron: icon(html`<path d="M6 9l6 6 6-6"/>`, 'icon chevron'),
  logOut: icon(
    html`<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4"/><path d="M16 17l5-5-5-5"/><path d="M21 12H9"/>`,
  ),
  user: icon(html`<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>`),
  desktop: icon(html`<rect x="3" y="4" width="18" height="12" rx="2"/><path d="M8 20h8M12 16v4"/>`),
  mobile: icon(html`<rect x="7" y="2" width="10" height="20" rx="2"/><path d="M11 18h2"/>`),
  tablet: icon(html`<rect x="4" y="3" width="16" height="18" rx="2"/><path d="M11 17h2"/>`),
  check: icon(html`<path d="M20 6L9 17l-5-5"/>`),
  alert: icon(html`<circle cx="12" cy="12" r="9"/><path d="M12 8v4.5M12 16h.01"/>`),
  lock: icon(html`<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>`),
};
