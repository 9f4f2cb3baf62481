// The user docs state facts the code also states: the API document, the error codes, the
// environment variables, the set-up commands. These tests fail when one side moves alone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH, renderOpenAPI } from '../scripts/write-openapi.ts';
import { ERROR_CATALOGUE } from '../src/http/errors.ts';

const root = path.join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('user documentation', () => {
  it('docs/openapi.json is what the app generates now', async () => {
    const generated = await renderOpenAPI();
    const committed = readFileSync(OPENAPI_PATH, 'utf8');
    expect(
      committed === generated,
      'docs/openapi.json is out of date: run `npm run docs:openapi` and commit docs/openapi.json',
    ).toBe(true);
  });

  it('docs/errors.md has a row with the code and HTTP status of every ERROR_CATALOGUE entry', () => {
    const doc = read('docs/errors.md');
    const missing = ERROR_CATALOGUE.filter(
      ({ code, status }) => !new RegExp(`^\\|\\s*\`?${code}\`?\\s*\\|\\s*${status}\\s*\\|`, 'm').test(doc),
    ).map(({ code, status }) => `${code} (HTTP ${status})`);
    expect(missing, 'codes without a "| code | status |" row in docs/errors.md').toEqual([]);
  });

  it('docs/configuration.md names every environment variable src/config.ts reads', () => {
    const source = read('src/config.ts');
    const names = [
      ...new Set(
        [...source.matchAll(/\b(?:read|integer|url|flag)\(env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!),
      ),
    ];
    // Guards the pattern itself: if config.ts changes shape, this test must be updated, not pass empty.
    expect(names).toEqual(expect.arrayContaining(['PORT', 'HOST', 'DATABASE_URL', 'SIGNOFF_SESSION_TTL']));
    const doc = read('docs/configuration.md');
    expect(
      names.filter((name) => !doc.includes(`\`${name}\``)),
      'variables read in src/config.ts but not in docs/configuration.md',
    ).toEqual([]);
  });

  it('README.md opens with the set-up commands and mentions npm test', () => {
    const readme = read('README.md');
    const fence = readme.indexOf('```');
    expect(fence).toBeGreaterThan(0);
    // Only a title and a tagline come before the commands.
    expect(readme.slice(0, fence)).not.toMatch(/^##/m);
    const block = /```[^\n]*\n([\s\S]*?)```/.exec(readme.slice(fence))?.[1] ?? '';
    expect(block).toContain('npm install');
    expect(block).toContain('npm start');
    expect(block.indexOf('npm install')).toBeLessThan(block.indexOf('npm start'));
    expect(readme).toContain('npm test');
  });
});
