// Process entry: config → store → bus (and throttle counters) → services → bootstrap → app → listen.
import { buildApp } from './app.ts';
import type { Bus } from './bus/bus.ts';
import { createMemoryBus } from './bus/memory-bus.ts';
import { createRedisBus } from './bus/redis-bus.ts';
import { ConfigError, loadConfig } from './config.ts';
import { bootstrap, describeBootstrap } from './domain/bootstrap.ts';
import { systemClock } from './domain/clock.ts';
import { createServices } from './domain/services.ts';
import { createLogger } from './logger.ts';
import { openStore } from './store/open-store.ts';
import { createRedisThrottleCounters } from './throttle/redis-counters.ts';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`signoff: configuration error: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const store = await openStore(config);
  const onBusError = (error: unknown) => log.error({ err: error }, 'event bus error');
  const bus: Bus = config.redisUrl
    ? await createRedisBus(config.redisUrl, { onError: onBusError })
    : createMemoryBus(onBusError);
  // Sign-in throttles count in Redis too, so that every node sees every failure; without it,
  // each node counts in its own memory (createServices' default).
  const throttleCounters = config.redisUrl ? await createRedisThrottleCounters(config.redisUrl) : undefined;
  const services = await createServices({
    store,
    bus,
    clock: systemClock,
    log,
    settings: config,
    ...(throttleCounters ? { throttleCounters } : {}),
  });

  const report = await bootstrap(services, config);
  const banner = describeBootstrap(report);
  if (banner) process.stdout.write(`${banner}\n`);

  const app = await buildApp({ services, logger: log, trustProxy: config.trustProxy });
  await app.listen({ port: config.port, host: config.host });
  log.info(
    { url: config.publicUrl, store: store.kind, bus: bus.kind, pool: services.defaultPoolId() },
    'signoff is listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    await services.stop();
    await bus.close();
    await throttleCounters?.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`signoff: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
