// The small pieces the hosted pages are built from: escaping templates, CSP sources for
// registered redirect URIs, the return_to allow-list, times in the reader's time zone.
import { describe, expect, it } from 'vitest';
import { formatAgo, formatTime, TIME_ZONES, timeZoneOf } from '../src/http/pages/formats.ts';
import { escapeHTML, html } from '../src/http/pages/html.ts';
import { contentSecurityPolicy, cspSource } from '../src/http/pages/page-reply.ts';
import { safeReturnTo } from '../src/http/pages/return-to.ts';

describe('html templates', () => {
  it('escape every interpolated string, in text and in attributes', () => {
    const value = `"'><script>alert(1)</script>&\``;
    expect(html`<p title="${value}">${value}</p>`.text).toBe(
      '<p title="&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#96;">&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#96;</p>',
    );
    expect(escapeHTML('a&b')).toBe('a&amp;b');
  });

  it('nest markup built by html as is, render lists, and skip null, undefined and false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}${null}${undefined}${false}${0}</ul>`.text).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li>0</ul>',
    );
  });

  it('do not take a look-alike object for markup', () => {
    const forged = { text: '<script>' } as unknown as string;
    expect(html`${forged}`.text).toBe('[object Object]');
  });
});

describe('CSP sources for registered redirect URIs', () => {
  it('keeps scheme, host, port and path; drops the query; encodes ; and ,', () => {
    expect(cspSource('https://app.example.com/callback?x=1')).toBe('https://app.example.com/callback');
    expect(cspSource('http://localhost:8080/cb')).toBe('http://localhost:8080/cb');
    expect(cspSource("https://app.example.com/a;b,c d'")).toBe("https://app.example.com/a%3Bb%2Cc%20d'");
    expect(cspSource('com.example.app:/callback')).toBe('com.example.app:');
    expect(cspSource('not a url')).toBeNull();
  });

  it('adds them to form-action only', () => {
    expect(contentSecurityPolicy(['https://a.example/cb', 'https://a.example/cb'])).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' https://a.example/cb; frame-ancestors 'none'; base-uri 'none'",
    );
  });
});

describe('return_to', () => {
  it.each([
    ['/u', '/u'],
    ['/u/', '/u/'],
    ['/u?notice=x#frag', '/u?notice=x'],
    ['/oidc/interaction/abc', '/oidc/interaction/abc'],
    ['/u/./x', '/u/x'],
    ['/u/%2e%2e/login', '/u'],
    ['/oidc/interaction/../interaction/abc', '/oidc/interaction/abc'],
    ['/oidc/interaction/..', '/u'],
    ['//evil.com/u', '/u'],
    ['/\\evil.com', '/u'],
    ['/u\u0000', '/u'],
    ['/ü', '/u'],
    [null, '/u'],
    [`/u/${'a'.repeat(3000)}`, '/u'],
  ])('%s → %s', (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });
});

describe('times in the reader’s time zone', () => {
  const at = Date.UTC(2026, 4, 3, 14, 5);

  it('are UTC unless a zone is given, and always say which zone they are in', () => {
    expect(formatTime(at)).toBe('3 May 2026, 14:05 UTC');
    expect(formatTime(at, 'Asia/Tokyo')).toBe('3 May 2026, 23:05 Asia/Tokyo');
    // Summer time where the zone has it: Paris is two hours ahead in May, one in January.
    expect(formatTime(at, 'Europe/Paris')).toBe('3 May 2026, 16:05 Europe/Paris');
    expect(formatTime(Date.UTC(2026, 0, 3, 14, 5), 'Europe/Paris')).toBe('3 Jan 2026, 15:05 Europe/Paris');
    expect(formatTime(at, 'America/New_York')).toBe('3 May 2026, 10:05 America/New_York');
    expect(formatAgo(at, at + 40 * 86_400_000, 'Asia/Tokyo')).toBe('3 May 2026, 23:05 Asia/Tokyo');
  });

  it('take only zones that exist, in Intl’s spelling', () => {
    expect(timeZoneOf('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(timeZoneOf('utc')).toBe('UTC');
    for (const bad of [null, '', 'Mars/Olympus_Mons', '<script>', 'Europe/Paris; x', 'a'.repeat(65)]) {
      expect(timeZoneOf(bad)).toBeNull();
    }
    expect(TIME_ZONES[0]).toBe('UTC');
    expect(TIME_ZONES).toContain('Europe/Paris');
    expect(TIME_ZONES.every((zone) => timeZoneOf(zone) === zone)).toBe(true);
  });
});
