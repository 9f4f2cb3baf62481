// Drivers for the documentation's long-running examples (`<!-- docs-test: serve NAME -->`):
// run by test/docs-examples.test.ts's shell session as `node docs-drivers.ts NAME` while the
// example serves in the background, with the session's exported variables (S, POOL, ADMIN…)
// and DOCS_TEST_PORT_<port> for each port the docs name (replaced by a free one). A driver
// does what a reader would do with a browser, with fetch and a cookie jar, and exits non-zero
// with a message when the example does not do what the doc says.
import { randomBytes } from 'node:crypto';
import { CookieJar } from './browserless.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set in the docs-test session`);
  return value;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Waits until something answers HTTP at `url` (the example is still starting). */
async function reachable(url: string, seconds = 10) {
  for (let i = 0; i < seconds * 10; i++) {
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answers at ${url} after ${seconds} s`);
}

/** A GET or form POST that follows every redirect, across origins, with one cookie jar. */
async function go(jar: CookieJar, url: string, form?: Record<string, string>) {
  let current = url;
  let init: RequestInit = form
    ? {
        method: 'POST',
        body: new URLSearchParams(form),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }
    : {};
  for (let hops = 0; hops < 20; hops++) {
    const response = await fetch(current, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header(), accept: 'text/html' },
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      return { url: new URL(current), status: response.status, body: await response.text() };
    }
    current = new URL(location, current).href;
    init = {};
  }
  throw new Error(`too many redirects from ${url}`);
}

const hidden = (page: string, name: string) =>
  new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page)?.[1];

/** A user of the pool, made with the administrator token the session holds. */
async function createUser(server: string) {
  const username = `reader-${randomBytes(3).toString('hex')}`;
  const password = 'correct horse battery';
  const res = await fetch(`${server}/api/v2/users`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${env('ADMIN')}`,
      'x-authing-userpool-id': env('POOL'),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ username, password }),
  });
  check(res.ok, `creating a user: ${res.status} ${await res.text()}`);
  return { username, password };
}

const drivers: Record<string, () => Promise<void>> = {
  /**
   * docs/oidc.md's confidential web app: sign in through the hosted login page, see who is
   * signed in, log out through RP-initiated logout and land back on the app.
   */
  async 'web-app'() {
    const server = env('S');
    const app = `http://localhost:${env('DOCS_TEST_PORT_8080')}`;
    await reachable(`${app}/`);
    const user = await createUser(server);
    const jar = new CookieJar();

    const home = await go(jar, `${app}/`);
    check(home.body.includes('href="/login"'), `the app's home page has no sign-in link: ${home.body}`);
    const login = await go(jar, `${app}/login`);
    check(
      login.url.origin === new URL(server).origin && login.url.pathname === '/login',
      `/login of the app did not reach Signoff's sign-in page but ${login.url} (${login.status}): ${login.body.slice(0, 300)}`,
    );
    const csrf = hidden(login.body, 'csrf');
    const returnTo = hidden(login.body, 'return_to');
    check(csrf, 'the sign-in page has no csrf field');
    if (!returnTo?.startsWith('/oidc/interaction/')) {
      throw new Error(`the sign-in page's return_to is not the OIDC interaction: ${returnTo}`);
    }
    const signedIn = await go(jar, `${server}/login`, {
      csrf,
      return_to: returnTo,
      account: user.username,
      password: user.password,
    });
    check(
      signedIn.url.href.startsWith(`${app}/callback`) && signedIn.status === 200,
      `after the password: ${signedIn.url} ${signedIn.status} ${signedIn.body.slice(0, 300)}`,
    );
    check(
      signedIn.body.includes(`Signed in as ${user.username}.`),
      `the callback page does not say who signed in: ${signedIn.body}`,
    );
    check(jar.cookies.has('signoff_session'), 'no Signoff session after signing in');

    const out = await go(jar, `${app}/logout`);
    check(
      out.url.href === `${app}/`,
      `logging out did not land on the app's page but on ${out.url} (${out.status})`,
    );
    check(!jar.cookies.has('signoff_session'), 'the Signoff session cookie survived the logout');
    const u = await fetch(`${server}/u`, { redirect: 'manual', headers: { cookie: jar.header() } });
    check(u.status === 302, `the personal center still opens after logging out: ${u.status}`);
  },
};

const name = process.argv[2] ?? '';
const driver = drivers[name];
if (!driver) {
  process.stderr.write(
    `docs-drivers: no driver named "${name}" (known: ${Object.keys(drivers).join(', ')})\n`,
  );
  process.exit(2);
}
driver().then(
  () => process.stdout.write(`docs-drivers: ${name}: ok\n`),
  (error: unknown) => {
    process.stderr.write(
      `docs-drivers: ${name}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
