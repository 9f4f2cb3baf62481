// An in-process "browser" for the hosted pages: app.inject with a cookie jar, form posts, and
// the CSRF token read from the last page, the way a browser would submit it.
import type { LightMyRequestResponse } from 'fastify';
import { TEST_ADMIN, type TestServer } from './server.ts';

export interface PageClient {
  get(url: string, options?: { remoteAddress?: string }): Promise<LightMyRequestResponse>;
  /**
   * Posts a form (application/x-www-form-urlencoded), with the jar's cookies. A list is a field
   * sent several times, in order (a hidden field and a ticked checkbox of the same name).
   */
  post(
    url: string,
    fields: FormFields | URLSearchParams,
    options?: { remoteAddress?: string },
  ): Promise<LightMyRequestResponse>;
  /**
   * Answers a confirmation page (a destructive console action's first post): posts its
   * Confirm form, with every hidden field it carries. Throws when the page is not one.
   */
  confirm(page: LightMyRequestResponse): Promise<LightMyRequestResponse>;
  /** GETs `page` and posts `fields` to `action` with the CSRF token that page carried. */
  submit(
    page: string,
    action: string,
    fields: FormFields,
    options?: { remoteAddress?: string },
  ): Promise<LightMyRequestResponse>;
  cookie(name: string): string | undefined;
  setCookie(name: string, value: string): void;
  /** The Cookie header the jar would send. */
  cookieHeader(): string;
}

export type FormFields = Record<string, string | string[]>;

const encode = (fields: FormFields | URLSearchParams) =>
  fields instanceof URLSearchParams
    ? fields.toString()
    : new URLSearchParams(
        Object.entries(fields).flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, v]),
        ),
      ).toString();

export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36';

export function csrfOf(body: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(body);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

const decodeEntities = (text: string) =>
  text.replace(
    /&(amp|lt|gt|quot|#39|#96);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e]!,
  );

/** The form of a console confirmation page: where it posts and its hidden fields, in order. */
export function confirmationOf(body: string): { action: string; fields: URLSearchParams } | null {
  const form =
    /<form method="post" action="([^"]+)"[^>]*>((?:(?!<\/form>)[\s\S])*name="confirm" value="yes"[\s\S]*?)<\/form>/.exec(
      body,
    );
  if (!form) return null;
  const fields = new URLSearchParams();
  for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields.append(decodeEntities(m[1]!), decodeEntities(m[2]!));
  return { action: decodeEntities(form[1]!), fields };
}

export function pageClient(server: Pick<TestServer, 'app'>): PageClient {
  const jar = new Map<string, string>();

  function remember(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now());
      if (expired) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return res;
  }

  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const headers = (extra: Record<string, string> = {}) => ({
    'user-agent': USER_AGENT,
    ...(jar.size > 0 ? { cookie: cookieHeader() } : {}),
    ...extra,
  });

  const client: PageClient = {
    async get(url, options = {}) {
      return remember(await server.app.inject({ method: 'GET', url, headers: headers(), ...options }));
    },
    async post(url, fields, options = {}) {
      return remember(
        await server.app.inject({
          method: 'POST',
          url,
          headers: headers({ 'content-type': 'application/x-www-form-urlencoded' }),
          payload: encode(fields),
          ...options,
        }),
      );
    },
    async confirm(page) {
      const form = confirmationOf(page.body);
      if (!form) throw new Error(`not a confirmation page (${page.statusCode})`);
      return client.post(form.action, form.fields);
    },
    async submit(page, action, fields, options = {}) {
      const shown = await client.get(page, options);
      return client.post(action, { csrf: csrfOf(shown.body), ...fields }, options);
    },
    cookie: (name) => jar.get(name),
    setCookie: (name, value) => {
      jar.set(name, value);
    },
    cookieHeader,
  };
  return client;
}

/** A browser signed in to the console as the test server's administrator. */
export async function consoleClient(server: Pick<TestServer, 'app'>): Promise<PageClient> {
  const browser = pageClient(server);
  const res = await browser.submit('/console/login', '/console/login', TEST_ADMIN);
  if (res.statusCode !== 303) throw new Error(`console sign-in: ${res.statusCode}`);
  return browser;
}
