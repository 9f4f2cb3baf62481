import type { Harness, ScenarioResult } from '../context.ts';
export async function throttleScenario(_h: Harness, _log: (l: string) => void): Promise<ScenarioResult> {
  throw new Error('not yet');
}
