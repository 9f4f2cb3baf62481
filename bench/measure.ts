// Small measuring helpers shared by the benchmarks.
import os from 'node:os';

/** Calls `fn` in a tight loop for about `ms` milliseconds; returns calls per second. */
export function opsPerSecond(fn: () => unknown, ms: number): number {
  // Warm up so the JIT has settled before the timed part.
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function printTable(title: string, header: string[], rows: string[][]) {
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/**
 * Like {@link opsPerSecond} for an asynchronous `fn`: `concurrency` loops, each awaiting one
 * call before the next, for about `ms` milliseconds. Returns completed calls per second, and
 * the process's CPU time per call (all its threads: WebCrypto works on libuv's pool), which
 * other processes' load on a shared machine moves less than the wall-clock rate.
 */
export async function measureAsync(
  fn: () => Promise<unknown>,
  ms: number,
  concurrency = 1,
): Promise<{ opsPerSecond: number; cpuMicrosPerOp: number }> {
  for (let i = 0; i < 200; i++) await fn();
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const loop = async () => {
    while (performance.now() - start < ms) {
      for (let i = 0; i < 50; i++) await fn();
      n += 50;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { opsPerSecond: (n / elapsed) * 1000, cpuMicrosPerOp: (used.user + used.system) / n };
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
