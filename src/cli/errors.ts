// Expected failures of a CLI run, each with its exit code. main.ts prints their message alone
// (no stack trace): they describe what the user asked for, not a fault in Signoff.

/** Exit codes, documented in docs/cli.md; scripts branch on them. */
export const EXIT = {
  ok: 0,
  /** Not found, already taken, store or bus unreachable. */
  failed: 1,
  /** Bad command line: unknown command or option, missing or invalid value. */
  usage: 2,
  /** Bad environment: the same check and code (EX_CONFIG) as `npm start`. */
  config: 78,
} as const;

export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
export const failure = (message: string) => new CliError(message, EXIT.failed);
