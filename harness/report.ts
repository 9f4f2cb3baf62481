// The results table, and writing it into harness/README.md between its markers with the date,
// the machine and the command, as bench/README.md records its runs.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ms, type ScenarioResult } from './context.ts';

const README = path.join(import.meta.dirname, 'README.md');
const BEGIN = '<!-- results:begin -->';
const END = '<!-- results:end -->';

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function table(results: ScenarioResult[]): string {
  const rows = results.map((r) =>
    [
      r.name,
      r.ok ? 'pass' : `**FAIL**: ${r.failures.join('; ')}`,
      r.count,
      ms(r.p50),
      ms(r.p99),
      String(r.fiveXX),
      String(r.lost),
      r.notes,
    ].map(cell),
  );
  return [
    '| scenario | result | count | p50 | p99 | 5xx | lost | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function machine(loadAtStart: string): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU';
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  let postgres = '';
  try {
    postgres = execFileSync('psql', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    postgres = 'psql not found';
  }
  const redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' })
    .split(' ')
    .slice(0, 3)
    .join(' ');
  return `\`nproc\` ${nproc}, ${model} (/proc/cpuinfo), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}, ${postgres} (server on the same machine), ${redis.trim()}; load average at the start ${loadAtStart}, at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
}

export function writeResults(
  results: ScenarioResult[],
  command: string,
  commit: string,
  loadAtStart: string,
) {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`harness/README.md has no ${BEGIN} … ${END} section`);
  const block = [
    BEGIN,
    '',
    `Recorded ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${commit}. Machine: ${machine(loadAtStart)}.`,
    '',
    `Command: \`${command}\``,
    '',
    table(results),
    '',
    END,
  ].join('\n');
  writeFileSync(README, text.slice(0, start) + block + text.slice(end + END.length));
}
