// Sign-in throttles shared by the nodes: with REDIS_URL, wrong passwords for one account spread
// over the three nodes get the per-account limit (5 in 15 minutes, docs/operations.md) in all,
// not per node. For contrast, three more nodes on the same database without REDIS_URL count in
// their own memory: there the same guesses get 3 × 5 — what the docs say of that set-up.
import { PASSWORD, Recorder, signIn } from '../api.ts';
import { type Harness, result, type ScenarioResult } from '../context.ts';

const LIMIT = 5;

/** Wrong passwords, one at a time, node after node: how many were checked (401) before 429s. */
async function guess(recorder: Recorder, urls: string[], appId: string, account: string, tries: number) {
  const statuses: number[] = [];
  for (let i = 0; i < tries; i++) {
    statuses.push((await signIn(recorder, urls[i % urls.length]!, appId, account, 'wrong-password')).status);
  }
  const right = await Promise.all(urls.map((u) => signIn(recorder, u, appId, account, PASSWORD)));
  return {
    checked: statuses.filter((s) => s === 401).length,
    throttled: statuses.filter((s) => s === 429).length,
    other: statuses.filter((s) => s !== 401 && s !== 429),
    /** The right password afterwards, per node: 429 while the account is locked. */
    right: right.map((a) => a.status),
  };
}

export async function throttleScenario(h: Harness, log: (l: string) => void): Promise<ScenarioResult> {
  const recorder = new Recorder();
  const app = await h.admin.createApp('throttle');
  const [shared, local] = (await h.admin.createUsers('guessed', 2)) as [string, string];
  const tries = 3 * LIMIT + 3;
  const withRedis = await guess(recorder, h.urls(), app.id, shared, tries);

  log('  three more nodes without REDIS_URL, for contrast');
  const memoryNodes = await h.extraNodes(3, { redisUrl: undefined }, 'no-redis');
  let withoutRedis: Awaited<ReturnType<typeof guess>>;
  try {
    withoutRedis = await guess(
      recorder,
      memoryNodes.map((n) => n.url),
      app.id,
      local,
      tries,
    );
  } finally {
    await Promise.all(memoryNodes.map((n) => n.stop()));
  }

  const failures: string[] = [];
  if (withRedis.checked !== LIMIT)
    failures.push(`with Redis ${withRedis.checked} wrong passwords checked over 3 nodes (limit ${LIMIT})`);
  if (withRedis.right.some((s) => s !== 429))
    failures.push(`the right password while locked: ${withRedis.right.join(',')}`);
  if (withRedis.other.length + withoutRedis.other.length > 0)
    failures.push(`unexpected statuses ${[...withRedis.other, ...withoutRedis.other].join(',')}`);
  // Not a failure of the server either way: what the docs promise without Redis, checked.
  if (withoutRedis.checked !== 3 * LIMIT)
    failures.push(`without Redis ${withoutRedis.checked} checked over 3 nodes; the docs say ${3 * LIMIT}`);
  const fiveXX = recorder.fiveXX().length;
  if (fiveXX > 0) failures.push(`${fiveXX} 5xx`);
  return result(
    'throttle',
    {
      count: `${2 * tries} wrong passwords`,
      p50: null,
      p99: null,
      fiveXX,
      lost: 0,
      notes:
        `one account, ${tries} wrong passwords round-robin over 3 nodes: with REDIS_URL ${withRedis.checked} checked (401) then ${withRedis.throttled} × 429, the right password then 429 on every node (${withRedis.right.join(',')}); ` +
        `3 nodes without REDIS_URL (memory counts): ${withoutRedis.checked} checked, ${withoutRedis.throttled} × 429 — ${withoutRedis.checked / LIMIT}× the tries`,
    },
    failures,
  );
}
