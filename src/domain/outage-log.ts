// One background task's view of store outages, for its log: a task that runs every second
// would otherwise write an error with a stack every second for as long as PostgreSQL is down.
// The first failure of an outage is one warn line, the first success after it one info line;
// failures that are not outages are logged as errors each time, as before.
import { StoreUnavailableError } from '../store/unavailable.ts';
import type { Logger } from './logger.ts';

export interface OutageLog {
  /** Reports a failure of the task: once per outage when the store is unreachable. */
  failed(error: unknown, message: string): void;
  /** The task worked: ends the outage, if there was one. */
  succeeded(): void;
}

export function createOutageLog(log: Logger, task: string): OutageLog {
  let down = false;
  return {
    failed(error, message) {
      if (!(error instanceof StoreUnavailableError)) {
        log.error({ err: error }, message);
        return;
      }
      if (down) return;
      down = true;
      log.warn({ error: error.message }, `${task}: the store is unavailable; retrying until it answers`);
    },
    succeeded() {
      if (!down) return;
      down = false;
      log.info({}, `${task}: the store answers again`);
    },
  };
}

/** Runs a periodic task, reporting its outcome to `outage`. */
export function reportingOutages(outage: OutageLog, message: string, work: () => Promise<unknown>): void {
  work().then(
    () => outage.succeeded(),
    (error: unknown) => outage.failed(error, message),
  );
}

/** Runs `work` every `ms`, reporting to `outage`; unref'd, so that it never keeps a process alive. */
export function every(ms: number, outage: OutageLog, message: string, work: () => Promise<unknown>) {
  const timer = setInterval(() => reportingOutages(outage, message, work), ms);
  timer.unref();
  return timer;
}
