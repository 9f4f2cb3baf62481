// What a command is: its words, options and help, and how it prepares a run from its flags.
// The table of commands (command-specs.ts) is built from these; help.ts and main.ts read it.
import type { CliContext } from './context.ts';
import type { RenderContext } from './output.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Shown in help: `--name NAME`. */
  value?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Prepared {
  /** Runs the command; `data` is the --json document, `text` the readable form. */
  run(ctx: CliContext): Promise<{ data: unknown; text: string }>;
}

export interface Command {
  group: string;
  name: string;
  summary: string;
  /** More than the summary, for the command's own help. */
  details?: string;
  /** The synopsis after `signoff <group> <name>`. */
  synopsis: string;
  options: Record<string, OptionSpec>;
  /** Validates the flags (may read stdin); throws a usage error naming the flag. */
  prepare(values: OptionValues): Promise<Prepared>;
}

interface Definition<I, R> extends Omit<Command, 'prepare'> {
  parse(values: OptionValues): I | Promise<I>;
  run(ctx: CliContext, input: I): Promise<R>;
  render(result: R, ctx: RenderContext): string;
  /** The --json document, when it is not the result itself. */
  json?(result: R): unknown;
}

// Ties a command's input and result types together, then forgets them: the table holds
// commands of different types.
export function define<I, R>(definition: Definition<I, R>): Command {
  const { parse, run: execute, render, json, ...meta } = definition;
  return {
    ...meta,
    async prepare(values) {
      const input = await parse(values);
      return {
        async run(ctx) {
          const result = await execute(ctx, input);
          return { data: json ? json(result) : result, text: render(result, ctx) };
        },
      };
    },
  };
}
