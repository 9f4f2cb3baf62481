// Printing: one JSON document for --json, else aligned lines and tables for people.
// Renderers take what commands.ts returned and never reach the store.
import type { Bus } from '../bus/bus.ts';
import type {
  createApp,
  createPool,
  createUser,
  endSessions,
  listApps,
  listPools,
  listSessions,
  rotateKeys,
  setUserPassword,
  updatePool,
} from './commands.ts';

type Result<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export interface RenderContext {
  busKind: Bus['kind'];
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** ISO time to the second: milliseconds are noise in a terminal. */
const time = (iso: string | null) => (iso === null ? '-' : iso.replace(/\.\d{3}Z$/, 'Z'));

const dash = (value: string | null | undefined) =>
  value === null || value === undefined || value === '' ? '-' : value;

/** Label/value lines with the values aligned. */
export function fields(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}

/** A table with a header row; columns are as wide as their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const SHOWN_ONCE = '(shown this once: store it now)';

export function renderCreatePool(pool: Result<typeof createPool>): string {
  const rows: [string, string][] = [
    ['id', pool.id],
    ['name', pool.name],
  ];
  if (pool.secret !== null) rows.push(['secret', `${pool.secret}  ${SHOWN_ONCE}`]);
  if (pool.default) rows.push(['default', 'yes: commands without --pool use this pool']);
  return `Created user pool.\n${fields(rows)}`;
}

export function renderPools(pools: Result<typeof listPools>): string {
  if (pools.length === 0) return 'No user pools yet. Create one with `signoff pools create --name <name>`.';
  return table(
    ['ID', 'NAME', 'CREATED', 'DEFAULT', 'SIGN-UP'],
    pools.map((p) => [
      p.id,
      p.name,
      time(p.createdAt),
      p.default ? 'yes' : '',
      p.signUpEnabled ? 'on' : 'off',
    ]),
  );
}

export function renderUpdatePool(pool: Result<typeof updatePool>): string {
  return `Updated user pool ${pool.id}.\n${fields([
    ['name', pool.name],
    [
      'sign-up',
      pool.signUpEnabled
        ? 'on: people may create their own account (/signup, POST /api/v2/register/email)'
        : 'off: only administrators create accounts',
    ],
  ])}`;
}

export function renderCreateApp(app: Result<typeof createApp>): string {
  return `Created application.\n${fields([
    ['id', `${app.id}  (also its OIDC client_id)`],
    ['secret', `${app.secret}  ${SHOWN_ONCE}`],
    ['name', app.name],
    ['pool', app.userPoolId],
    ['redirect URIs', dash(app.redirectUris.join(' '))],
    ['logout redirect URIs', dash(app.logoutRedirectUris.join(' '))],
    ['back-channel logout', dash(app.backchannelLogoutUri)],
    ['client authentication', authMethodText(app.tokenEndpointAuthMethod)],
  ])}`;
}

/** What an app's OIDC client authentication means for the one who registers it. */
function authMethodText(method: string): string {
  return method === 'none'
    ? 'none (public client: no secret, PKCE required)'
    : `${method} (confidential client: the secret, as client_secret_basic or client_secret_post)`;
}

export function renderApps(apps: Result<typeof listApps>): string {
  if (apps.length === 0) return 'No applications in this user pool.';
  return table(
    ['ID', 'NAME', 'CLIENT AUTH', 'REDIRECT URIS', 'LOGOUT REDIRECT URIS', 'BACK-CHANNEL LOGOUT'],
    apps.map((a) => [
      a.id,
      a.name,
      a.tokenEndpointAuthMethod,
      dash(a.redirectUris.join(' ')),
      dash(a.logoutRedirectUris.join(' ')),
      dash(a.backchannelLogoutUri),
    ]),
  );
}

export function renderCreateUser(user: Result<typeof createUser>): string {
  const rows: [string, string][] = [
    ['id', user.id],
    ['pool', user.userPoolId],
    ['username', dash(user.username)],
    ['email', dash(user.email)],
    ['name', dash(user.name)],
  ];
  if (user.generatedPassword !== null) rows.push(['password', `${user.generatedPassword}  ${SHOWN_ONCE}`]);
  return `Created user.\n${fields(rows)}`;
}

export function renderPasswordSet(result: Result<typeof setUserPassword>): string {
  const ended =
    result.sessionsEnded === 0
      ? 'no session ended'
      : `${plural(result.sessionsEnded, 'session')} ended (reason admin_password_reset, actor cli)`;
  return `New password set for user ${result.userId}: ${ended}.`;
}

export function renderSessions(result: Result<typeof listSessions>): string {
  if (result.sessions.length === 0) return `User ${result.userId} has no live sessions.`;
  const appLabel = (appId: string) => {
    const name = result.appNames[appId];
    return name === undefined ? appId : `${name} (${appId})`;
  };
  return table(
    ['SID', 'DEVICE', 'IP', 'APPS', 'SIGNED IN', 'LAST ACTIVE', 'EXPIRES'],
    result.sessions.map((s) => [
      s.sid,
      dash([s.device.browser, s.device.os].filter(Boolean).join(' on ')),
      dash(s.ip),
      dash(
        s.apps
          .filter((a) => a.endedAt === null)
          .map((a) => appLabel(a.appId))
          .join(', '),
      ),
      time(s.createdAt),
      time(s.lastActiveAt),
      time(s.expiresAt),
    ]),
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function renderEnded(result: Result<typeof endSessions>, ctx: RenderContext): string {
  const byUser = 'userId' in result;
  if (result.ended === 0) {
    return byUser
      ? `User ${result.userId} had no live sessions: nothing ended.`
      : `Session ${result.sid} had already ended: nothing to do.`;
  }
  const what = byUser
    ? `${plural(result.ended, 'session')} of user ${result.userId}`
    : `session ${result.sid}`;
  const tokens = result.ended === 1 ? 'its tokens' : 'their tokens';
  return [
    `Ended ${what}: ${plural(result.appSessions, 'app session')}, ` +
      `${plural(result.deliveries, 'back-channel logout notice')} queued.`,
    ctx.busKind === 'redis'
      ? `Running servers were told through Redis and refuse ${tokens} now.`
      : `Running servers refuse ${tokens} after their next store poll (within 2 seconds).`,
  ].join('\n');
}

export function renderRotated(result: Result<typeof rotateKeys>): string {
  return `Rotated the signing key of user pool ${result.poolId}.\n${fields([
    ['new key', result.kid],
    [
      'retired',
      result.retired === null ? '-' : `${result.retired}  (verifies tokens it signed until they expire)`,
    ],
  ])}`;
}
