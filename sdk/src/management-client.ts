// The pool administrator's side (CONTRACT §4): applications, users, sessions. Meant for
// servers: the pool secret must never reach a browser.
import { type ApiRequest, defaultFetch, type FetchLike, type HttpConfig, request, send } from './http.ts';
import type {
  AdminToken,
  Application,
  ApplicationWithSecret,
  CreateApplicationInput,
  CreateUserInput,
  EndSummary,
  PasswordChange,
  Session,
  UpdateApplicationInput,
  User,
} from './types.ts';

interface ManagementClientBaseOptions {
  /** The Signoff server's base URL, e.g. `https://id.example.com`. */
  host: string;
  /** The user pool to manage (sent as `x-authing-userpool-id`). */
  userPoolId: string;
  /** Replaces the platform `fetch`. */
  fetch?: FetchLike;
  /** Milliseconds since the epoch; decides when the cached token is renewed. Default `Date.now`. */
  now?: () => number;
}

/**
 * Options of {@link ManagementClient}: the pool id and either its secret (the client gets
 * and renews administrator tokens itself) or an administrator token you already have.
 *
 * @example
 * ```ts
 * const withSecret: ManagementClientOptions = { host, userPoolId, secret: process.env.POOL_SECRET! };
 * const withToken: ManagementClientOptions = { host, userPoolId, accessToken: adminToken };
 * ```
 */
export type ManagementClientOptions = ManagementClientBaseOptions &
  ({ secret: string; accessToken?: undefined } | { accessToken: string; secret?: undefined });

/**
 * `management.applications`.
 *
 * @example
 * ```ts
 * const app = await management.applications.create({ name: 'Shop' });
 * await management.applications.update(app.id, { logoutRedirectUris: ['https://shop.example.com/bye'] });
 * const { secret } = await management.applications.rotateSecret(app.id);
 * console.log(await management.applications.list());
 * await management.applications.delete(app.id);
 * ```
 */
export interface ManagementApplications {
  /** Creates an application; the answer is the only one that shows its `secret`. */
  create(input: CreateApplicationInput): Promise<ApplicationWithSecret>;
  /** Every application of the pool. */
  list(): Promise<Application[]>;
  /** One application; SignoffError 404 code 2011 when there is none. */
  get(appId: string): Promise<Application>;
  /** Changes some fields; SignoffError 400 naming the field on a bad URI. */
  update(appId: string, input: UpdateApplicationInput): Promise<Application>;
  /** Gives the application a new secret, shown only in this answer; the old one stops working at once. */
  rotateSecret(appId: string): Promise<ApplicationWithSecret>;
  /** Deletes an application, ending every session signed in to it. */
  delete(appId: string): Promise<void>;
}

/**
 * `management.users`.
 *
 * @example
 * ```ts
 * const user = await management.users.create({ username: 'ada', password: 'correct horse battery' });
 * const sessions = await management.users.listSessions(user.id);
 * await management.users.delete(user.id);
 * ```
 */
export interface ManagementUsers {
  /** Creates a user; SignoffError 409 code 4090 when the username or email is taken. */
  create(input: CreateUserInput): Promise<User>;
  /** One user; SignoffError 404 code 2004 when there is none. */
  get(userId: string): Promise<User>;
  /** Deletes a user, ending all their sessions. */
  delete(userId: string): Promise<void>;
  /** A user's live sessions, with device, IP and applications. */
  listSessions(userId: string): Promise<Session[]>;
  /**
   * Sets a user's password (a reset by the administrator). All their sessions end unless
   * `endSessions: false`; their apps get a credential-change Shared Signals event either way.
   */
  setPassword(userId: string, password: string, options?: { endSessions?: boolean }): Promise<PasswordChange>;
}

/**
 * `management.sessions`.
 *
 * @example
 * ```ts
 * const [first] = await management.users.listSessions(userId);
 * if (first) await management.sessions.end(first.sid);
 * ```
 */
export interface ManagementSessions {
  /** Ends one session: its tokens stop working at once, its apps are notified. */
  end(sid: string): Promise<EndSummary>;
}

/** Renew a cached token this long before it expires (or at half its life, if shorter). */
const RENEW_MARGIN_MS = 60_000;

/**
 * A pool administrator's client: applications, users and sessions of one user pool.
 * Server-side only — it holds the pool secret. Methods throw {@link SignoffError} when the
 * server refuses.
 *
 * With a `secret`, it fetches an administrator token on first use
 * (`POST /api/v2/userpools/accessToken`, so the secret stays out of URLs and access logs),
 * caches it, renews it a minute before it expires, and renews it once more if the server
 * refuses it as not logged in.
 *
 * @example
 * ```ts
 * import { ManagementClient } from '@signoff/sdk';
 *
 * const management = new ManagementClient({
 *   host: 'https://id.example.com',
 *   userPoolId: process.env.SIGNOFF_POOL_ID!,
 *   secret: process.env.SIGNOFF_POOL_SECRET!,
 * });
 * const app = await management.applications.create({ name: 'Shop' });
 * const user = await management.users.create({ email: 'ada@example.com', password: 'correct horse battery' });
 * for (const s of await management.users.listSessions(user.id)) await management.sessions.end(s.sid);
 * ```
 */
export class ManagementClient {
  /** Applications of the pool. */
  readonly applications: ManagementApplications;
  /** Users of the pool. */
  readonly users: ManagementUsers;
  /** Sessions of the pool's users. */
  readonly sessions: ManagementSessions;

  readonly #http: HttpConfig;
  readonly #userPoolId: string;
  readonly #secret: string | undefined;
  readonly #now: () => number;
  #token: AdminToken | null = null;
  #pending: Promise<AdminToken> | null = null;

  constructor(options: ManagementClientOptions) {
    if (!options.host) throw new TypeError('ManagementClient: `host` is required');
    if (!options.userPoolId) throw new TypeError('ManagementClient: `userPoolId` is required');
    if (!options.secret === !options.accessToken) {
      throw new TypeError('ManagementClient: give exactly one of `secret` and `accessToken`');
    }
    this.#http = { host: options.host, fetch: options.fetch ?? defaultFetch() };
    this.#userPoolId = options.userPoolId;
    this.#secret = options.secret;
    this.#now = options.now ?? Date.now;
    if (options.accessToken) this.#token = { accessToken: options.accessToken, exp: 0, iat: 0 };

    const id = encodeURIComponent;
    this.applications = {
      create: (input) => this.#call({ method: 'POST', path: '/api/v2/applications', body: input }),
      list: () => this.#call({ method: 'GET', path: '/api/v2/applications' }),
      get: (appId) => this.#call({ method: 'GET', path: `/api/v2/applications/${id(appId)}` }),
      update: (appId, input) =>
        this.#call({ method: 'PATCH', path: `/api/v2/applications/${id(appId)}`, body: input }),
      rotateSecret: (appId) =>
        this.#call({ method: 'POST', path: `/api/v2/applications/${id(appId)}/secret` }),
      delete: async (appId) => {
        await this.#call({ method: 'DELETE', path: `/api/v2/applications/${id(appId)}` });
      },
    };
    this.users = {
      create: (input) => this.#call({ method: 'POST', path: '/api/v2/users', body: input }),
      get: (userId) => this.#call({ method: 'GET', path: `/api/v2/users/${id(userId)}` }),
      delete: async (userId) => {
        await this.#call({ method: 'DELETE', path: `/api/v2/users/${id(userId)}` });
      },
      listSessions: (userId) => this.#call({ method: 'GET', path: `/api/v2/users/${id(userId)}/sessions` }),
      setPassword: (userId, password, options = {}) =>
        this.#call({
          method: 'POST',
          path: `/api/v2/users/${id(userId)}/password`,
          body: { password, ...options },
        }),
    };
    this.sessions = {
      end: (sid) => this.#call({ method: 'DELETE', path: `/api/v2/sessions/${id(sid)}` }),
    };
  }

  /**
   * The administrator token the next call will use: the cached one, or a new one when it is
   * missing or about to expire. Concurrent callers share one request.
   *
   * @throws {SignoffError} 403 code 1001 on a wrong secret; 404 code 2224 for an unknown pool.
   *
   * @example
   * ```ts
   * const token = await management.getAccessToken();
   * await fetch(`${host}/api/v2/applications`, {
   *   headers: { authorization: `Bearer ${token}`, 'x-authing-userpool-id': userPoolId },
   * });
   * ```
   */
  async getAccessToken(): Promise<string> {
    if (this.#secret === undefined) return this.#token!.accessToken;
    const cached = this.#token;
    if (cached) {
      const lifeMs = (cached.exp - cached.iat) * 1000;
      const margin = Math.min(RENEW_MARGIN_MS, lifeMs / 2);
      if (cached.exp * 1000 - this.#now() > margin) return cached.accessToken;
    }
    return (await this.#renew()).accessToken;
  }

  #renew(): Promise<AdminToken> {
    this.#pending ??= request<AdminToken>(this.#http, {
      method: 'POST',
      path: '/api/v2/userpools/accessToken',
      body: { userPoolId: this.#userPoolId, secret: this.#secret },
    })
      .then((token) => {
        this.#token = token;
        return token;
      })
      .finally(() => {
        this.#pending = null;
      });
    return this.#pending;
  }

  async #call<T>(call: ApiRequest): Promise<T> {
    const attempt = async () => {
      const token = await this.getAccessToken();
      return send<T>(this.#http, {
        ...call,
        headers: { authorization: `Bearer ${token}`, 'x-authing-userpool-id': this.#userPoolId },
      });
    };
    let outcome = await attempt();
    // A refused token (server restarted with new keys, clock skew): renew once and retry. Safe
    // for every method, since the server checks the token before doing anything.
    if (!outcome.ok && outcome.status === 401 && this.#secret !== undefined) {
      this.#token = null;
      outcome = await attempt();
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.data;
  }
}
