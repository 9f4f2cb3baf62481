// Process entry: config → store → bus (and throttle counters) → services → port → bootstrap → serve.
//
// Exit codes (docs/operations.md#exit-codes): 0 after SIGTERM or SIGINT and a graceful close;
// 69 (EX_UNAVAILABLE) PostgreSQL or Redis unreachable at start; 78 (EX_CONFIG) a variable with
// a bad value; 1 anything else (the port taken, with one line; a fault, with its stack).
import { buildApp } from './app.ts';
import type { Bus } from './bus/bus.ts';
import { createMemoryBus } from './bus/memory-bus.ts';
import { createRedisBus } from './bus/redis-bus.ts';
import { ConfigError, loadConfig } from './config.ts';
import { bootstrap, describeBootstrap, startUrls } from './domain/bootstrap.ts';
import { systemClock } from './domain/clock.ts';
import { createServices } from './domain/services.ts';
import { createLogger } from './logger.ts';
import { collectProcessMetrics } from './metrics.ts';
import { describeConnectionError, openStore, StoreUnreachableError } from './store/open-store.ts';
import { createRedisThrottleCounters } from './throttle/redis-counters.ts';

const EX_UNAVAILABLE = 69;
const EX_CONFIG = 78;

/** One line on stderr, no stack: what the operator has to fix. */
function exit(line: string, code: number): never {
  process.stderr.write(`signoff: ${line}\n`);
  process.exit(code);
}

/** host:port of a service URL, for messages: never its user name or password. */
function endpointOf(url: string, defaultPort: number): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || defaultPort}`;
  } catch {
    return 'an unreadable URL';
  }
}

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exit(`configuration error: ${error.message}`, EX_CONFIG);
    throw error;
  }
  const log = createLogger(config.logLevel);

  const store = await openStore(config, {
    onIdleError: (error) => log.warn({ err: error }, 'database connection lost; the pool opens another'),
  }).catch((error: unknown) => {
    if (!(error instanceof StoreUnreachableError)) throw error;
    const at = endpointOf(config.databaseUrl!, 5432);
    return exit(`cannot reach PostgreSQL at DATABASE_URL (${at}): ${error.message}`, EX_UNAVAILABLE);
  });
  const onBusError = (error: unknown) => log.error({ err: error }, 'event bus error');
  let bus: Bus;
  if (config.redisUrl) {
    const url = config.redisUrl;
    bus = await createRedisBus(url, {
      prefix: config.redisPrefix,
      onError: onBusError,
      // Once per outage, not once per reconnection attempt (docs/operations.md#outages).
      onDown: (error) =>
        log.warn(
          { err: error },
          'event bus unreachable: logouts still succeed; other nodes catch up by polling the store',
        ),
      onUp: () => log.info({}, 'event bus reconnected'),
    }).catch(async (error: unknown) => {
      await store.close();
      const at = endpointOf(url, 6379);
      return exit(
        `cannot reach Redis at REDIS_URL (${at}): ${describeConnectionError(error)}`,
        EX_UNAVAILABLE,
      );
    });
  } else {
    bus = createMemoryBus(onBusError);
  }
  // Sign-in throttles count in Redis too, so that every node sees every failure; without it,
  // each node counts in its own memory (createServices' default).
  const redisUrl = config.redisUrl;
  const throttleCounters = redisUrl
    ? await createRedisThrottleCounters(redisUrl, {
        prefix: `${config.redisPrefix}throttle:`,
        onError: (error) => log.warn({ err: error }, 'throttle counters: Redis error'),
      }).catch(async (error: unknown) => {
        await bus.close();
        await store.close();
        return exit(
          `cannot reach Redis at REDIS_URL (${endpointOf(redisUrl, 6379)}): ${describeConnectionError(error)}`,
          EX_UNAVAILABLE,
        );
      })
    : undefined;
  const services = await createServices({
    store,
    bus,
    clock: systemClock,
    log,
    settings: config,
    ...(throttleCounters ? { throttleCounters } : {}),
  });
  collectProcessMetrics(services.metrics);

  // The port first: a first start that could not listen must not have created the default
  // pool and printed its secrets (they are shown once). Until bootstrap is done, requests get 503.
  let serving = false;
  const app = await buildApp({
    services,
    logger: log,
    trustProxy: config.trustProxy,
    serving: () => serving,
  });
  const close = async () => {
    await app.close();
    await services.stop();
    await bus.close();
    await throttleCounters?.close();
    await store.close();
  };
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    await close();
    exit(`cannot listen on ${config.host}:${config.port} (HOST, PORT): ${(error as Error).message}`, 1);
  }

  const report = await bootstrap(services, config);
  const urls = startUrls(config.publicUrl);
  const banner = describeBootstrap(report, urls);
  if (banner) process.stdout.write(`${banner}\n`);
  serving = true;
  log.info(
    { url: config.publicUrl, store: store.kind, bus: bus.kind, pool: services.defaultPoolId(), urls },
    'signoff is listening',
  );

  // `npm start` execs node (package.json), so npm's forwarded signal lands here; a terminal's
  // Ctrl-C reaches both npm and node, so a second signal while stopping is expected and ignored.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`signoff: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
