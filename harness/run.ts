// The reliability harness (issue 10, part 2): three Signoff nodes on one PostgreSQL schema and
// a Redis of its own, then each scenario in turn with real HTTP; a progress line per
// scenario, a results table at the end, written into harness/README.md. Exit code 1 when a
// scenario failed (a logout or a notice lost, a 5xx outside an outage, or its own check).
//
//   npm run harness [-- --scenario load] [--logouts 500] [--bulk-sessions 1500]
//                   [--postgres postgres://postgres@127.0.0.1:5432/test] [--real-postgres-restart]
//                   [--no-write]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type Harness, type ScenarioResult, startHarness } from './context.ts';
import { table, writeResults } from './report.ts';
import { bulkKillScenario } from './scenarios/kill-node.ts';
import { loadScenario } from './scenarios/load.ts';
import { postgresScenario } from './scenarios/postgres-outage.ts';
import { receiverDownScenario } from './scenarios/receiver-down.ts';
import { redisScenario } from './scenarios/redis-down.ts';
import { throttleScenario } from './scenarios/throttle.ts';

const SCENARIOS: Record<string, (h: Harness, log: (l: string) => void) => Promise<ScenarioResult>> = {
  load: loadScenario,
  'redis-down': redisScenario,
  'postgres-outage': postgresScenario,
  'kill-node': bulkKillScenario,
  'receiver-down': receiverDownScenario,
  throttle: throttleScenario,
};

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    logouts: { type: 'string', default: '500' },
    'bulk-sessions': { type: 'string', default: '1500' },
    postgres: {
      type: 'string',
      default: process.env.HARNESS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    'real-postgres-restart': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});

const chosen = values.scenario ?? Object.keys(SCENARIOS);
for (const name of chosen) {
  if (!SCENARIOS[name]) {
    console.error(`unknown scenario "${name}"; one of: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
}

const began = performance.now();
const loadAtStart = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
const stamp = () => `[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s]`;
const log = (line: string) => console.log(`${stamp()} ${line}`);

const harness = await startHarness(
  {
    logouts: Number(values.logouts),
    postgresUrl: values.postgres,
    realPostgresRestart: values['real-postgres-restart'],
    bulkSessions: Number(values['bulk-sessions']),
  },
  log,
);
log(`three nodes up: ${harness.urls().join(' ')}`);

const results: ScenarioResult[] = [];
let interrupted = false;
const onSignal = () => {
  interrupted = true;
  log('interrupted: cleaning up');
  harness.close().finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  for (const name of chosen) {
    log(`${name}: running`);
    const t = performance.now();
    let r: ScenarioResult;
    try {
      r = await SCENARIOS[name]!(harness, (l) => log(l));
    } catch (error) {
      r = {
        name,
        ok: false,
        count: '—',
        p50: null,
        p99: null,
        fiveXX: 0,
        lost: 0,
        notes: '',
        failures: [`the scenario could not finish: ${(error as Error).message}`],
      };
    }
    // A node that died by itself is a failure whatever the scenario measured.
    for (const n of harness.nodes) {
      const how = n.crashed();
      if (how) {
        r.ok = false;
        r.failures.push(
          `node ${n.index} (${n.url}) died by itself (${how}; see its log in ${harness.logDir})`,
        );
      }
    }
    results.push(r);
    log(
      `${name}: ${r.ok ? 'pass' : `FAIL (${r.failures.join('; ')})`} — ${r.count} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    // A scenario that killed a node or Redis and failed to bring it back leaves the next with
    // less than the deployment it expects: bring everything back first.
    try {
      await restoreAll(harness, log);
    } catch (error) {
      r.ok = false;
      r.failures.push(`the deployment could not be restored after it: ${(error as Error).message}`);
      log(`${name}: could not restore the deployment; the remaining scenarios are not run`);
      break;
    }
  }
} finally {
  if (!interrupted)
    await harness.close().catch((e: unknown) => log(`clean-up failed: ${(e as Error).message}`));
}

async function restoreAll(h: Harness, say: (l: string) => void) {
  await h.db.proxy.restore().catch(() => {});
  // Idempotent when Redis runs.
  await h.redis.start();
  for (const n of h.nodes) {
    if (!n.alive) {
      say(`  restarting ${n.url}`);
      await n.start();
    }
  }
}

const output = table(results);
console.log(`\n${output}\n`);
const full = Object.keys(SCENARIOS).every((name) => results.some((r) => r.name === name));
if (!values['no-write'] && full) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const argv = process.argv.slice(2).join(' ');
  writeResults(results, `npm run harness${argv ? ` -- ${argv}` : ''}`, commit, loadAtStart);
  log('results written to harness/README.md');
}
log(`logs kept in ${harness.logDir}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
