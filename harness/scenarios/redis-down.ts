import type { Harness, ScenarioResult } from '../context.ts';
export async function redisScenario(_h: Harness, _log: (l: string) => void): Promise<ScenarioResult> {
  throw new Error('not yet');
}
