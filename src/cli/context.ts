// Opens what a command needs — store, bus, services — from the same environment as the
// server, so that the CLI acts on the data a running server serves and goes through the same
// domain services as its routes (DESIGN.md principle 1: one session core).
import type { Bus } from '../bus/bus.ts';
import { createMemoryBus } from '../bus/memory-bus.ts';
import type { Config } from '../config.ts';
import { systemClock } from '../domain/clock.ts';
import type { Logger } from '../domain/logger.ts';
import { createServices, type Services } from '../domain/services.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { failure } from './errors.ts';

export interface CliContext {
  services: Services;
  /** memory: running servers learn of what the CLI did only by polling the store (or at restart). */
  busKind: Bus['kind'];
  /** A remark for the operator, on stderr so that `--json` output stays one document. */
  notice(text: string): void;
  close(): Promise<void>;
}

// A CLI should say that Redis does not answer and stop, rather than wait for it.
const REDIS_CONNECT_TIMEOUT_MS = 5000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The store's location for messages, without a password that DATABASE_URL may carry. */
export function describeStore(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string {
  if (!config.databaseUrl) return `${config.dataDir}/signoff.db`;
  try {
    const url = new URL(config.databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

function stderrLogger(): Logger {
  const line = (level: string, obj: object, msg?: string) => {
    const err = (obj as { err?: unknown }).err;
    const detail = err === undefined ? '' : `: ${message(err)}`;
    process.stderr.write(`signoff: ${level}: ${msg ?? JSON.stringify(obj)}${detail}\n`);
  };
  return {
    info() {},
    warn: (obj, msg) => line('warning', obj, msg),
    error: (obj, msg) => line('error', obj, msg),
  };
}

async function connectRedis(config: Config, log: Logger): Promise<Bus> {
  // Loaded only when configured: the Redis client is a large module graph.
  const { createRedisBus } = await import('../bus/redis-bus.ts');
  try {
    return await createRedisBus(config.redisUrl!, {
      prefix: config.redisPrefix,
      connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS,
      // Once connected a bus error is a warning: the store is the source of truth, and
      // running servers still find the CLI's writes by polling it.
      onError: (error) => log.warn({ err: error }, 'event bus error'),
    });
  } catch (error) {
    throw failure(`cannot connect to REDIS_URL: ${message(error)}`);
  }
}

export async function openContext(config: Config): Promise<CliContext> {
  const log = stderrLogger();
  let store: Store;
  try {
    store = await openStore(config);
  } catch (error) {
    throw failure(`cannot open the store at ${describeStore(config)}: ${message(error)}`);
  }
  let bus: Bus;
  try {
    bus = config.redisUrl ? await connectRedis(config, log) : createMemoryBus();
  } catch (error) {
    await store.close();
    throw error;
  }
  // No background work: a CLI run is over in a moment, and sweeping expired sessions is the
  // server's job. The sign-in throttles count in memory: no command checks a password.
  const services = await createServices({
    store,
    bus,
    clock: systemClock,
    log,
    settings: config,
    background: false,
  });
  return {
    services,
    busKind: bus.kind,
    notice: (text) => process.stderr.write(`signoff: note: ${text}\n`),
    async close() {
      await services.stop();
      await bus.close();
      await store.close();
    },
  };
}
