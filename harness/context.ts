// The deployment a run works on — Redis, the PostgreSQL schema behind its proxy, three nodes —
// and what every scenario hands back for the results table.
import { randomBytes } from 'node:crypto';
import { type Admin, createAdmin, Recorder } from './api.ts';
import {
  createNode,
  type Database,
  type NodeProcess,
  type NodeSettings,
  newLogDir,
  openDatabase,
  type RedisServer,
  sparePort,
  startRedis,
} from './cluster.ts';

export interface Options {
  logouts: number;
  postgresUrl: string;
  realPostgresRestart: boolean;
  bulkSessions: number;
}

export interface ScenarioResult {
  name: string;
  ok: boolean;
  /** What was counted, e.g. "500 logouts". */
  count: string;
  p50: number | null;
  p99: number | null;
  /** 5xx outside an outage (an outage's expected 503s are in the notes). */
  fiveXX: number;
  lost: number;
  notes: string;
  /** Why it failed, one line each; empty when ok. */
  failures: string[];
}

export interface Harness {
  options: Options;
  nodes: NodeProcess[];
  redis: RedisServer;
  db: Database;
  logDir: string;
  settings: NodeSettings;
  /** Management calls (through the first live node); their own recorder. */
  admin: Admin;
  /** The URLs of the nodes that are up. */
  urls(): string[];
  /** Extra nodes on the same schema (the throttle scenario's nodes without Redis). */
  extraNodes(n: number, overrides: Partial<NodeSettings>, label: string): Promise<NodeProcess[]>;
  close(): Promise<void>;
}

export async function startHarness(options: Options, log: (line: string) => void): Promise<Harness> {
  const logDir = newLogDir();
  log(`logs in ${logDir}`);
  const redis = await startRedis(await sparePort(), logDir);
  const db = await openDatabase(options.postgresUrl);
  log(`redis on ${redis.port}, schema ${db.schema}, PostgreSQL through the proxy on ${db.proxy.port}`);
  const ports = [await sparePort(), await sparePort(), await sparePort()];
  const settings: NodeSettings = {
    databaseUrl: db.nodeUrl,
    schema: db.schema,
    redisUrl: redis.url,
    redisPrefix: `harness-${randomBytes(4).toString('hex')}:`,
    publicUrl: `http://127.0.0.1:${ports[0]}`,
    logDir,
  };
  const nodes = ports.map((port, i) => createNode(i, port, settings));
  const extras: NodeProcess[] = [];
  const harness: Harness = {
    options,
    nodes,
    redis,
    db,
    logDir,
    settings,
    admin: createAdmin(new Recorder(), () => harness.urls()[0]!),
    urls: () => nodes.filter((n) => n.alive).map((n) => n.url),
    async extraNodes(n, overrides, label) {
      const made: NodeProcess[] = [];
      for (let i = 0; i < n; i++) {
        made.push(
          createNode(
            10 + extras.length + i,
            await sparePort(),
            { ...settings, ...overrides },
            `${label}-${i}`,
          ),
        );
      }
      extras.push(...made);
      await Promise.all(made.map((m) => m.start()));
      return made;
    },
    async close() {
      await Promise.all([...nodes, ...extras].map((n) => n.stop()));
      await redis.kill();
      await db.drop();
    },
  };
  try {
    // The first node alone creates the pool (and migrates); the others then start together.
    await nodes[0]!.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));
  } catch (error) {
    await harness.close().catch(() => {});
    throw error;
  }
  return harness;
}

export function result(
  name: string,
  parts: Omit<ScenarioResult, 'name' | 'ok' | 'failures'>,
  failures: string[],
): ScenarioResult {
  return { name, ok: failures.length === 0, failures, ...parts };
}

export const ms = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v)
    ? '—'
    : v < 10
      ? `${v.toFixed(1)} ms`
      : `${Math.round(v)} ms`;
