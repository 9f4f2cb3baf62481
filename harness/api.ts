// Real HTTP calls to the nodes (Node's fetch), each recorded: every answer's status, time and
// body code, so that a scenario can count 5xx, tell an outage's 503s from anything else, and
// see a request that hangs (aborted after `timeoutMs`: status 0, `hung`).
import { POOL_ID, POOL_SECRET } from './cluster.ts';

export const PASSWORD = 'harness-password-1';

export interface Answer<T = unknown> {
  status: number;
  code: number | null;
  message: string;
  data: T;
  retryAfter: string | null;
  startedAt: number;
  ms: number;
  /** No answer within the time-out (or the connection failed: `error` says which). */
  hung: boolean;
  error: string | null;
  route: string;
}

export class Recorder {
  readonly answers: Answer[] = [];
  /** Keep only 5xx and failed calls, and a count of the rest (500 logouts × 3 nodes × n asks). */
  ok = 0;
  record(answer: Answer) {
    if (answer.status >= 500 || answer.status === 0) this.answers.push(answer);
    else this.ok++;
  }
  fiveXX(filter: (a: Answer) => boolean = () => true) {
    return this.answers.filter((a) => a.status >= 500 && filter(a));
  }
  failed(filter: (a: Answer) => boolean = () => true) {
    return this.answers.filter((a) => a.status === 0 && filter(a));
  }
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export async function call<T = Record<string, unknown>>(
  recorder: Recorder,
  base: string,
  route: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const timeoutMs = options.timeoutMs ?? 15_000;
  const answer: Answer<T> = {
    status: 0,
    code: null,
    message: '',
    data: undefined as T,
    retryAfter: null,
    startedAt,
    ms: 0,
    hung: false,
    error: null,
    route,
  };
  try {
    const res = await fetch(base + route, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    answer.status = res.status;
    answer.retryAfter = res.headers.get('retry-after');
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { code?: number; message?: string; data?: T };
      answer.code = typeof body.code === 'number' ? body.code : null;
      answer.message = body.message ?? '';
      answer.data = body.data as T;
    } catch {
      answer.message = text.slice(0, 200);
    }
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    answer.hung = e.name === 'TimeoutError';
    answer.error =
      e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
  }
  answer.ms = performance.now() - t0;
  recorder.record(answer);
  return answer;
}

/** The claims of a JWT, unverified (the harness needs the `sid` only). */
export function claimsOf(token: string): { sid: string; sub: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

export interface Session {
  token: string;
  sid: string;
  account: string;
}

/** Management calls, through one node; they throw on anything but 200 (set-up, not measured). */
export function createAdmin(recorder: Recorder, nodeUrl: () => string) {
  let headers: Record<string, string> | null = null;
  /** A scenario run twice in one run (`--scenario x --scenario x`) makes new names. */
  let batch = 0;
  const must = async <T>(route: string, options: CallOptions = {}) => {
    const a = await call<T>(recorder, nodeUrl(), route, {
      ...options,
      headers: { ...(await auth()), ...options.headers },
    });
    if (a.status !== 200) throw new Error(`${route}: ${a.status} ${a.code} ${a.message} ${a.error ?? ''}`);
    return a.data;
  };
  async function auth(): Promise<Record<string, string>> {
    if (headers) return headers;
    const a = await call<{ accessToken: string }>(recorder, nodeUrl(), '/api/v2/userpools/accessToken', {
      body: { userPoolId: POOL_ID, secret: POOL_SECRET },
    });
    if (a.status !== 200) throw new Error(`management token: ${a.status} ${a.message}`);
    headers = { authorization: `Bearer ${a.data.accessToken}`, 'x-authing-userpool-id': POOL_ID };
    return headers;
  }
  return {
    auth,
    must,
    createApp: (name: string, backchannelLogoutUri?: string) =>
      must<{ id: string }>('/api/v2/applications', {
        body: { name, ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}) },
      }),
    async createUsers(prefix: string, n: number): Promise<string[]> {
      batch++;
      const accounts = Array.from({ length: n }, (_, i) => `${prefix}${batch}-${i}`);
      await inParallel(accounts, 8, (username) =>
        must('/api/v2/users', { body: { username, password: PASSWORD } }),
      );
      return accounts;
    },
    async auditCount(): Promise<number> {
      return (await must<{ totalCount: number }>('/api/v2/audit/session-ends?page=1&limit=1')).totalCount;
    },
    async deliveries(appId: string, status: 'pending' | 'delivered' | 'failed'): Promise<number> {
      return (
        await must<{ totalCount: number }>(
          `/api/v2/applications/${appId}/logout-deliveries?status=${status}&page=1&limit=1`,
        )
      ).totalCount;
    },
  };
}

export type Admin = ReturnType<typeof createAdmin>;

export function signIn(
  recorder: Recorder,
  base: string,
  appId: string,
  account: string,
  password = PASSWORD,
) {
  return call<{ token: string }>(recorder, base, '/api/v2/login/account', {
    headers: { 'x-authing-app-id': appId },
    body: { account, password },
  });
}

export function me(recorder: Recorder, base: string, token: string, timeoutMs?: number) {
  return call(recorder, base, '/api/v2/users/me', {
    headers: { authorization: `Bearer ${token}` },
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

export function logout(recorder: Recorder, base: string, token: string) {
  return call(recorder, base, '/api/v2/logout', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Signs `n` sessions in, spread over the nodes: set-up (argon2id per sign-in), so it throws on failure. */
export async function signInMany(
  recorder: Recorder,
  nodes: string[],
  appId: string,
  accounts: string[],
  n: number,
): Promise<Session[]> {
  return inParallel(
    Array.from({ length: n }, (_, i) => i),
    12,
    async (i) => {
      const account = accounts[i % accounts.length]!;
      const a = await signIn(recorder, nodes[i % nodes.length]!, appId, account);
      if (a.status !== 200) throw new Error(`sign-in ${account}: ${a.status} ${a.code} ${a.message}`);
      return { token: a.data.token, sid: claimsOf(a.data.token).sid, account };
    },
  );
}

/**
 * After a logout answered 200: asks every node with the token until each refuses it (401),
 * at once and then every 10 ms.
 * The time from `since` until the last node's refusal, or null if one still accepted it
 * after `boundMs`.
 */
export async function untilRefusedEverywhere(
  recorder: Recorder,
  nodes: string[],
  token: string,
  since: number,
  boundMs = 10_000,
): Promise<number | null> {
  let pending = [...nodes];
  for (;;) {
    const answers = await Promise.all(pending.map((n) => me(recorder, n, token, 5000)));
    pending = pending.filter((_, i) => answers[i]!.status !== 401);
    const now = performance.now();
    if (pending.length === 0) return now - since;
    if (now - since > boundMs) return null;
    // Not tighter: 500 tokens asked of 3 nodes in a loop would load the nodes more than the logouts.
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Ends that reached the nodes from elsewhere, by how they arrived — the bus (Redis) or the
 * store poll — summed over the nodes (signoff_revocation_propagation_seconds on /metrics).
 */
export async function propagationCounts(urls: string[]): Promise<{ bus: number; poll: number }> {
  const counts = { bus: 0, poll: 0 };
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const m of text.matchAll(
      /^signoff_revocation_propagation_seconds_count\{source="(bus|poll)"\} (\d+)/gm,
    )) {
      counts[m[1] as 'bus' | 'poll'] += Number(m[2]);
    }
  }
  return counts;
}

/**
 * The nodes' own view of propagation — from an end's commit to their index holding it
 * (signoff_revocation_propagation_seconds, both sources), summed over the nodes: cumulative
 * counts by bucket bound in ms (Infinity last). Free of the harness's own asking, but only as
 * fine as the buckets.
 */
export async function propagationBuckets(urls: string[]): Promise<Map<number, number>> {
  const buckets = new Map<number, number>();
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const m of text.matchAll(/^signoff_revocation_propagation_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
      const le = /le="([^"]+)"/.exec(m[1]!)?.[1];
      if (!le) continue;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le) * 1000;
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(m[2]));
    }
  }
  return buckets;
}

/** "≤ X ms": the bucket bound under which p % of the ends between two readings fell. */
export function bucketPercentile(before: Map<number, number>, after: Map<number, number>, p: number): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = (b: number) => (after.get(b) ?? 0) - (before.get(b) ?? 0);
  const total = delta(Number.POSITIVE_INFINITY);
  if (total <= 0) return '—';
  const bound = bounds.find((b) => delta(b) >= (p / 100) * total);
  return bound === undefined || bound === Number.POSITIVE_INFINITY ? '> 30 s' : `≤ ${bound} ms`;
}
