// First contact (issue 11): GET / is a hosted page pointing to the sign-in page, the personal
// center, the console and the developers' entry points.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, isolatedPage, launchChromium } from './helpers/browser.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

describe('GET /', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('is a hosted page with a strict CSP linking to every place a person or a developer starts from', async () => {
    const res = await server.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.body).toContain('<h1>Signoff</h1>');
    for (const href of [
      '/login',
      '/u',
      '/console',
      '/api/openapi.json',
      '/oidc/.well-known/openid-configuration',
      '/health',
    ]) {
      expect(res.body, href).toContain(`href="${href}"`);
    }
    // The issuer as apps configure it, and where the documentation is (it is not served).
    expect(res.body).toContain(`${server.services.settings.publicUrl}/oidc`);
    expect(res.body).toContain('docs/');
    expect((await server.app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);
  });
});

describe.skipIf(!chromiumExecutable)('first contact in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer({ listen: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('/ renders with its stylesheet under the CSP, and its links lead to the pages', async () => {
    const { context, page, problems } = await isolatedPage(browser, [server.url]);
    await page.goto(`${server.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Signoff');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.goBack();
    await page.getByRole('link', { name: 'Administrator console' }).click();
    await page.waitForURL(`${server.url}/console/login`);
    await context.close();
    expect(problems).toEqual([]);
  });
});
