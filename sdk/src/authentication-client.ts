// The end user's side (CONTRACT §5): sign in, who am I, my sessions, log out. Runs in browsers
// (token saved in localStorage, SSO cookie sent with `credentials: 'include'`) and on servers
// (token in memory).
import { defaultFetch, type FetchLike, type HttpConfig, request, type SignoffError, send } from './http.ts';
import { browserStorage, DEFAULT_TOKEN_KEY, type TokenStorage } from './token-storage.ts';
import type { LoginResult, LogoutScope, PasswordChange, Session, SignUpProfile, User } from './types.ts';

/**
 * Options of {@link AuthenticationClient}.
 *
 * @example
 * ```ts
 * const options: AuthenticationClientOptions = {
 *   host: 'https://id.example.com',
 *   appId: '6f1c…',
 *   storage: null, // memory only, even in a browser
 * };
 * ```
 */
export interface AuthenticationClientOptions {
  /** The Signoff server's base URL, e.g. `https://id.example.com`. */
  host: string;
  /** The application users sign in to (sent as `x-authing-app-id`). */
  appId: string;
  /** When given, sent as `x-authing-userpool-id`: a token of another pool is then refused. */
  userPoolId?: string;
  /**
   * Where the token is saved across page loads. Default: `globalThis.localStorage` when the
   * platform has one (browsers), else memory only. `null`: memory only.
   */
  storage?: TokenStorage | null;
  /** The storage key. Default `signoff_token`. */
  storageKey?: string;
  /** A token to start with (e.g. one your server received). */
  token?: string;
  /** Replaces the platform `fetch`. */
  fetch?: FetchLike;
  /**
   * Fetch `credentials` mode. Default `include`, so browsers send and receive the SSO session
   * cookie across origins. Pass `same-origin` or `omit` where that is not wanted, or on a
   * runtime whose `fetch` rejects the option.
   */
  credentials?: RequestCredentials;
}

/**
 * Options of {@link AuthenticationClient.logout}.
 *
 * @example
 * ```ts
 * const options: LogoutOptions = { scope: 'global' };
 * await auth.logout(options);
 * ```
 */
export interface LogoutOptions {
  /** `local` (default): this session; `others`: my other sessions; `global`: all of them. */
  scope?: LogoutScope;
}

/**
 * What {@link AuthenticationClient.logout} resolves to, in the Kontenbase SDK's shape:
 * `error` is set (and `user`/`token` are null) when the server refused, `status` and
 * `statusText` are the HTTP status line (0 and `''` when the server was not reached).
 *
 * @example
 * ```ts
 * const { user, error, status }: LogoutResult = await auth.logout();
 * if (error) console.warn(`logout failed: ${status} ${error.message}`);
 * else console.log(`${user?.username} logged out`);
 * ```
 */
export interface LogoutResult {
  user: User | null;
  /** The token the server just revoked (null when the session cookie was used, or on error). */
  token: string | null;
  /** The scope the server applied (null on error). */
  scope: LogoutScope | null;
  /** How many sessions ended. */
  ended: number;
  status: number;
  statusText: string;
  error: SignoffError | null;
}

interface LogoutData {
  user: User;
  token: string | null;
  scope: LogoutScope;
  ended: number;
}

/**
 * The `sid` claim of a JWT, read without verifying it (the server verifies; this only tells
 * whether a session the user ends is the one this client is signed in with).
 */
function sessionIdOf(token: string): string | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
    const sid = (claims as { sid?: unknown } | null)?.sid;
    return typeof sid === 'string' ? sid : null;
  } catch {
    return null;
  }
}

/**
 * An end user's client for one application: sign in, read the user and their sessions, log
 * out of this session, the others, or all. Works in browsers and on servers; uses only
 * `fetch`, `URL`, `Headers` and, when present, `localStorage`.
 *
 * Methods throw {@link SignoffError} when the server refuses, except {@link logout}, which
 * answers with a {@link LogoutResult} and never throws.
 *
 * @example
 * ```ts
 * import { AuthenticationClient } from '@signoff/sdk';
 *
 * const auth = new AuthenticationClient({ host: 'https://id.example.com', appId: 'my-app-id' });
 * await auth.login('ada@example.com', 'correct horse battery'); // token saved
 * const me = await auth.getCurrentUser();
 * const { error } = await auth.logout(); // token revoked on the server and removed here
 * ```
 */
export class AuthenticationClient {
  readonly #http: HttpConfig;
  readonly #appId: string;
  readonly #userPoolId: string | undefined;
  readonly #storage: TokenStorage | null | undefined;
  readonly #storageKey: string;
  #token: string | null = null;

  constructor(options: AuthenticationClientOptions) {
    if (!options.host) throw new TypeError('AuthenticationClient: `host` is required');
    if (!options.appId) throw new TypeError('AuthenticationClient: `appId` is required');
    this.#http = {
      host: options.host,
      fetch: options.fetch ?? defaultFetch(),
      credentials: options.credentials ?? 'include',
    };
    this.#appId = options.appId;
    this.#userPoolId = options.userPoolId;
    this.#storage = options.storage;
    this.#storageKey = options.storageKey ?? DEFAULT_TOKEN_KEY;
    if (options.token) this.setToken(options.token);
  }

  /**
   * Signs in with a username or email and a password. Saves the token (memory, and
   * localStorage in browsers) and, in browsers, receives the SSO session cookie.
   *
   * @throws {SignoffError} 401 code 4010 on a wrong account or password; 404 code 2011 for an
   * unknown application.
   *
   * @example
   * ```ts
   * const { user, token, expiresAt } = await auth.login('ada', 'correct horse battery');
   * ```
   */
  async login(account: string, password: string): Promise<LoginResult> {
    const result = await request<LoginResult>(this.#http, {
      method: 'POST',
      path: '/api/v2/login/account',
      headers: { 'x-authing-app-id': this.#appId, 'x-authing-userpool-id': this.#userPoolId },
      body: { account, password },
    });
    this.setToken(result.token);
    return result;
  }

  /**
   * Signs up with an email and a password, when the user pool has sign-up on. Does not sign in
   * (call `login` next), as Authing's `registerByEmail` does not.
   *
   * @throws {SignoffError} 403 code 4031 when the pool has sign-up off; 409 code 4090 when an
   * account has this email; 400 naming the field for a bad email or a password under 8 characters.
   *
   * @example
   * ```ts
   * await auth.registerByEmail('ada@example.com', 'correct horse battery', { name: 'Ada' });
   * await auth.login('ada@example.com', 'correct horse battery');
   * ```
   */
  registerByEmail(email: string, password: string, profile: SignUpProfile = {}): Promise<User> {
    return request<User>(this.#http, {
      method: 'POST',
      path: '/api/v2/register/email',
      headers: { 'x-authing-app-id': this.#appId, 'x-authing-userpool-id': this.#userPoolId },
      body: { email, password, ...profile },
    });
  }

  /**
   * Changes the signed-in user's password (Authing's argument order: the new one first). The
   * user's other sessions end — their tokens stop working and their apps are told — unless
   * `keepOtherSessions`; this one stays signed in.
   *
   * @throws {SignoffError} 401 code 4010 when `oldPassword` is wrong; 429 after too many wrong
   * ones; 400 naming `newPassword` when it is too short.
   *
   * @example
   * ```ts
   * const { ended } = await auth.updatePassword('a new passphrase', 'correct horse battery');
   * console.log(`${ended} other devices signed out`);
   * ```
   */
  updatePassword(
    newPassword: string,
    oldPassword: string,
    options: { keepOtherSessions?: boolean } = {},
  ): Promise<PasswordChange> {
    return request<PasswordChange>(this.#http, {
      method: 'POST',
      path: '/api/v2/users/me/password',
      headers: this.#headers(),
      body: { oldPassword, newPassword, ...options },
    });
  }

  /**
   * The signed-in user, by the saved token (or, in browsers without one, the SSO cookie).
   *
   * @throws {SignoffError} 401 code 2020 when not signed in, or when the token was revoked
   * (by a logout, an administrator, or a kick from the application).
   *
   * @example
   * ```ts
   * const user = await auth.getCurrentUser();
   * console.log(user.email);
   * ```
   */
  getCurrentUser(): Promise<User> {
    return request<User>(this.#http, { method: 'GET', path: '/api/v2/users/me', headers: this.#headers() });
  }

  /**
   * The signed-in user's live sessions, one per device or browser, `current: true` on this one.
   *
   * @example
   * ```ts
   * for (const s of await auth.listSessions()) {
   *   console.log(s.current ? '(this device)' : '', s.device.browser, s.ip, s.lastActiveAt);
   * }
   * ```
   */
  listSessions(): Promise<Session[]> {
    return request<Session[]>(this.#http, {
      method: 'GET',
      path: '/api/v2/users/me/sessions',
      headers: this.#headers(),
    });
  }

  /**
   * Ends one of the signed-in user's sessions ("log out that device"). Ending the session this
   * client is signed in with also removes the saved token.
   *
   * @throws {SignoffError} 404 code 4041 when the user has no such live session.
   *
   * @example
   * ```ts
   * const [phone] = (await auth.listSessions()).filter((s) => !s.current);
   * if (phone) await auth.endSession(phone.sid);
   * ```
   */
  async endSession(sid: string): Promise<{ ended: number }> {
    const token = this.getToken();
    const result = await request<{ ended: number }>(this.#http, {
      method: 'DELETE',
      path: `/api/v2/users/me/sessions/${encodeURIComponent(sid)}`,
      headers: this.#headers(token),
    });
    if (token && sessionIdOf(token) === sid) this.setToken(null);
    return result;
  }

  /**
   * Logs out. `local` (default) ends this session, `others` the user's other sessions,
   * `global` all of them; the server revokes their tokens at once and notifies the other
   * applications. When this session ended (`local`, `global`) the saved token is removed
   * from memory and localStorage; with `others` it is kept, since it still works.
   *
   * Never throws for a refusal: the result carries `error` and the HTTP `status` (a token
   * already logged out gives `status: 401`, `error.code === 2020`), as the Kontenbase SDK does.
   *
   * @example
   * ```ts
   * const { user, token, status, statusText, error } = await auth.logout();
   * if (error) console.warn(status, error.message);
   *
   * await auth.logout({ scope: 'others' }); // "log out other devices", stay signed in here
   * ```
   */
  async logout(options: LogoutOptions = {}): Promise<LogoutResult> {
    const scope = options.scope ?? 'local';
    const outcome = await send<LogoutData>(this.#http, {
      method: 'POST',
      path: '/api/v2/logout',
      query: { scope },
      headers: this.#headers(),
    });
    const { status, statusText } = outcome;
    if (!outcome.ok) {
      return { user: null, token: null, scope: null, ended: 0, status, statusText, error: outcome.error };
    }
    const { data } = outcome;
    if (data.scope !== 'others') this.setToken(null);
    return {
      user: data.user,
      token: data.token,
      scope: data.scope,
      ended: data.ended,
      status,
      statusText,
      error: null,
    };
  }

  /**
   * Sets the token used from now on (and saves it), or clears it with `null`.
   *
   * @example
   * ```ts
   * auth.setToken(tokenFromMyServer);
   * auth.setToken(null); // forget it, here and in localStorage
   * ```
   */
  setToken(token: string | null): void {
    this.#token = token;
    const storage = this.#resolveStorage();
    try {
      if (token === null) storage?.removeItem(this.#storageKey);
      else storage?.setItem(this.#storageKey, token);
    } catch {
      // Quota exceeded or storage disabled: the token still lives in memory.
    }
  }

  /**
   * The current token: the one in memory, else the one saved in storage (a previous page
   * load), else null.
   *
   * @example
   * ```ts
   * if (!auth.getToken()) location.assign('/login');
   * ```
   */
  getToken(): string | null {
    if (this.#token !== null) return this.#token;
    try {
      return this.#resolveStorage()?.getItem(this.#storageKey) ?? null;
    } catch {
      return null;
    }
  }

  #resolveStorage(): TokenStorage | null {
    return this.#storage === undefined ? browserStorage() : this.#storage;
  }

  #headers(token = this.getToken()): Record<string, string | undefined> {
    return {
      authorization: token ? `Bearer ${token}` : undefined,
      'x-authing-userpool-id': this.#userPoolId,
    };
  }
}
