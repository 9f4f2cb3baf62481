// The logger the domain writes to: the three levels it uses, so that services depend on this
// shape and not on pino (src/logger.ts makes the process's; tests pass a quiet one).
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
