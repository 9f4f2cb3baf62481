// The wire shapes Signoff answers with (CONTRACT §4–§5, src/http/presenters.ts). Times are
// ISO 8601 strings, exactly as sent; nothing here is converted on the way in.

/**
 * A user of a user pool, as the server returns it. Never carries a password or its hash.
 *
 * @example
 * ```ts
 * const user: User = await auth.getCurrentUser();
 * console.log(user.id, user.username ?? user.email);
 * ```
 */
export interface User {
  id: string;
  userPoolId: string;
  username: string | null;
  email: string | null;
  name: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * An application (its `id` is also its OIDC `client_id`).
 *
 * @example
 * ```ts
 * const apps: Application[] = await management.applications.list();
 * for (const app of apps) console.log(app.id, app.name, app.logoutRedirectUris);
 * ```
 */
export interface Application {
  id: string;
  userPoolId: string;
  name: string;
  identifier: string | null;
  redirectUris: string[];
  logoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * A newly created application, with its secret. The server shows the secret only in the
 * answer to `create`; store it then.
 *
 * @example
 * ```ts
 * const app: ApplicationWithSecret = await management.applications.create({ name: 'Shop' });
 * saveSecretSomewhereSafe(app.id, app.secret);
 * ```
 */
export interface ApplicationWithSecret extends Application {
  secret: string;
}

/**
 * What `applications.create` accepts. Redirect URIs must be absolute; a logout may only
 * redirect to one of `logoutRedirectUris`.
 *
 * @example
 * ```ts
 * const input: CreateApplicationInput = {
 *   name: 'Shop',
 *   redirectUris: ['https://shop.example.com/callback'],
 *   logoutRedirectUris: ['https://shop.example.com/bye'],
 *   backchannelLogoutUri: 'https://shop.example.com/backchannel-logout',
 * };
 * ```
 */
export interface CreateApplicationInput {
  name: string;
  identifier?: string | null;
  redirectUris?: string[];
  logoutRedirectUris?: string[];
  backchannelLogoutUri?: string | null;
}

/**
 * What `applications.update` accepts: any non-empty subset of the create fields.
 *
 * @example
 * ```ts
 * const patch: UpdateApplicationInput = { backchannelLogoutUri: null };
 * await management.applications.update(appId, patch);
 * ```
 */
export type UpdateApplicationInput = Partial<CreateApplicationInput>;

/**
 * What `users.create` accepts: a username or an email (or both) and a password of at least
 * 8 characters.
 *
 * @example
 * ```ts
 * const input: CreateUserInput = { email: 'ada@example.com', password: 'correct horse battery' };
 * ```
 */
export interface CreateUserInput {
  username?: string;
  email?: string;
  password: string;
  name?: string;
}

/**
 * The device a session was started from, read from its User-Agent.
 *
 * @example
 * ```ts
 * const { browser, os } = session.device;
 * console.log(`${browser ?? 'Unknown browser'} on ${os ?? 'unknown OS'}`);
 * ```
 */
export interface SessionDevice {
  browser: string | null;
  os: string | null;
  platform: string | null;
}

/**
 * One application a session is signed in to (an *app session*).
 *
 * @example
 * ```ts
 * const appIds = session.apps.filter((a: SessionApplication) => a.endedAt === null).map((a) => a.appId);
 * ```
 */
export interface SessionApplication {
  appId: string;
  createdAt: string;
  lastActiveAt: string;
  endedAt: string | null;
}

/**
 * One sign-in of one user on one device or browser. `current` is true on the session the
 * request was made with (always false in the management API, which has no session).
 *
 * @example
 * ```ts
 * const sessions: Session[] = await auth.listSessions();
 * const others = sessions.filter((s) => !s.current);
 * ```
 */
export interface Session {
  sid: string;
  userId: string;
  current: boolean;
  userAgent: string | null;
  ip: string | null;
  device: SessionDevice;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  endedAt: string | null;
  endReason: string | null;
  apps: SessionApplication[];
}

/**
 * What ending sessions as an administrator touched.
 *
 * @example
 * ```ts
 * const summary: EndSummary = await management.sessions.end(sid);
 * console.log(`${summary.ended} session, ${summary.deliveries} back-channel notices queued`);
 * ```
 */
export interface EndSummary {
  /** Sessions ended by this call (0 when it had already ended). */
  ended: number;
  /** App sessions ended with them. */
  appSessions: number;
  /** Back-channel logout notices queued for the apps that registered a URI. */
  deliveries: number;
}

/**
 * The answer to a password sign-in.
 *
 * @example
 * ```ts
 * const { user, token, expiresAt }: LoginResult = await auth.login('ada', 'correct horse battery');
 * ```
 */
export interface LoginResult {
  user: User;
  /** Access token (JWT) for the application. */
  token: string;
  /** When the token expires (ISO 8601). */
  expiresAt: string;
}

/**
 * The answer to a password change or an administrator's new password.
 *
 * @example
 * ```ts
 * const { ended, changeId }: PasswordChange = await auth.updatePassword('new passphrase here', 'old one');
 * console.log(`${ended} other sessions signed out (change ${changeId})`);
 * ```
 */
export interface PasswordChange {
  user: User;
  /** Sessions the change signed out (the caller's own stays signed in on a change of their own). */
  ended: number;
  /** The change's audit record id; the Shared Signals credential-change SETs carry it as `txn`. */
  changeId: string;
}

/**
 * A self sign-up's optional profile fields.
 *
 * @example
 * ```ts
 * const profile: SignUpProfile = { username: 'ada', name: 'Ada Lovelace' };
 * ```
 */
export interface SignUpProfile {
  username?: string;
  name?: string;
}

/**
 * Which sessions a logout ends: `local` this one (the default), `others` every other
 * session of the user, `global` all of them.
 *
 * @example
 * ```ts
 * const scope: LogoutScope = 'others';
 * await auth.logout({ scope });
 * ```
 */
export type LogoutScope = 'local' | 'others' | 'global';

/**
 * A pool administrator token, as `GET/POST /api/v2/userpools/accessToken` issues it.
 * `exp` and `iat` are seconds since the epoch.
 *
 * @example
 * ```ts
 * const token: AdminToken = { accessToken: 'eyJ…', exp: 1767225600, iat: 1767218400 };
 * ```
 */
export interface AdminToken {
  accessToken: string;
  exp: number;
  iat: number;
}
