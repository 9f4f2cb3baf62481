// Where the AuthenticationClient keeps the signed-in user's token between page loads. The
// browser's localStorage when there is one; nothing (memory only) elsewhere.

/**
 * The part of the Web Storage API the SDK uses. `window.localStorage` and
 * `window.sessionStorage` fit; so does any object with these three methods (a cookie store,
 * React Native's AsyncStorage behind a synchronous cache, a test double).
 *
 * @example
 * ```ts
 * const memory = new Map<string, string>();
 * const storage: TokenStorage = {
 *   getItem: (key) => memory.get(key) ?? null,
 *   setItem: (key, value) => void memory.set(key, value),
 *   removeItem: (key) => void memory.delete(key),
 * };
 * const auth = new AuthenticationClient({ host, appId, storage });
 * ```
 */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The key the token is saved under unless `storageKey` says otherwise.
 *
 * @example
 * ```ts
 * const saved = localStorage.getItem(DEFAULT_TOKEN_KEY);
 * ```
 */
export const DEFAULT_TOKEN_KEY = 'signoff_token';

/**
 * `globalThis.localStorage` when the platform has a usable one, else null. Looked up on
 * each use: reading it can throw (sandboxed iframes, storage disabled), and server-side
 * rendering has none.
 *
 * @example
 * ```ts
 * browserStorage()?.removeItem(DEFAULT_TOKEN_KEY);
 * ```
 */
export function browserStorage(): TokenStorage | null {
  try {
    const candidate = (globalThis as { localStorage?: unknown }).localStorage as Partial<TokenStorage> | null;
    if (
      candidate &&
      typeof candidate.getItem === 'function' &&
      typeof candidate.setItem === 'function' &&
      typeof candidate.removeItem === 'function'
    ) {
      return candidate as TokenStorage;
    }
  } catch {
    // SecurityError: storage is off for this origin. Memory only, then.
  }
  return null;
}
