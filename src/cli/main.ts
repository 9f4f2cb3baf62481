// The `signoff` CLI entry: parse, dispatch, print, exit code. Run with the project's Node 24
// (`npm run signoff -- …`, or `npx signoff …` through bin/signoff.js).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { COMMANDS, type Command, findCommand, GROUPS, type OptionValues } from './command-specs.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { commandHelp, groupHelp, overview } from './help.ts';
import { json } from './output.ts';

interface Outcome {
  code: number;
  stdout?: string;
  stderr?: string;
}

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `signoff ${pkg.version}\n`;
}

/** parseArgs's messages suggest JavaScript-level fixes; an operator wants the flag named. */
function parseError(error: unknown): CliError {
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(text)?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return usageError(`unknown option ${flag}`);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return usageError(`unexpected argument "${quoted}"`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return text.includes('does not take')
      ? usageError(`${flag} takes no value`)
      : usageError(`${flag} needs a value (write ${flag}=VALUE when it starts with "-")`);
  }
  return usageError(text);
}

function parseOptions(command: Command, args: string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    json: { type: 'boolean' },
  };
  for (const [flag, spec] of Object.entries(command.options)) {
    options[flag] = spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type };
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as OptionValues;
  } catch (error) {
    throw parseError(error);
  }
}

/** The command a command line names, or what to print instead. */
function route(argv: string[]): { command: Command; args: string[] } | Outcome {
  // Command words come first (`signoff sessions end --user …`), like git's: then a flag's
  // value can never be mistaken for a command.
  const words: string[] = [];
  while (words.length < argv.length && !argv[words.length]!.startsWith('-')) words.push(argv[words.length]!);
  const args = argv.slice(words.length);
  const [group, name, ...extra] = words;

  if (group === undefined) {
    if (args.some(isHelp)) return { code: EXIT.ok, stdout: overview() };
    if (args[0] === '--version') return { code: EXIT.ok, stdout: version() };
    if (args.length === 0) return { code: EXIT.usage, stderr: overview() };
    throw usageError(`expected a command before ${args[0]}`);
  }
  if (group === 'help') {
    if (name === undefined) return { code: EXIT.ok, stdout: overview() };
    const command = extra[0] === undefined ? undefined : findCommand(name, extra[0]);
    if (command) return { code: EXIT.ok, stdout: commandHelp(command) };
    if (GROUPS.includes(name) && extra.length === 0) return { code: EXIT.ok, stdout: groupHelp(name) };
    throw usageError(`unknown command "${[name, ...extra].join(' ')}"`);
  }
  if (!GROUPS.includes(group)) throw usageError(`unknown command "${group}"`);
  if (name === undefined) {
    if (args.some(isHelp)) return { code: EXIT.ok, stdout: groupHelp(group) };
    return { code: EXIT.usage, stderr: `signoff: error: "${group}" needs a command\n\n${groupHelp(group)}` };
  }
  const command = findCommand(group, name);
  if (!command) {
    throw usageError(`unknown command "${group} ${name}" (${group} has: ${commandsOf(group)})`);
  }
  if (args.some(isHelp)) return { code: EXIT.ok, stdout: commandHelp(command) };
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`);
  return { command, args };
}

const commandsOf = (group: string) =>
  COMMANDS.filter((c) => c.group === group)
    .map((c) => c.name)
    .join(', ');

/** What a usage error's hint points to: the command, else its group, else the overview. */
function helpTarget(argv: string[]): string {
  const [group = '', name = ''] = argv;
  if (findCommand(group, name)) return `${group} ${name} `;
  return GROUPS.includes(group) ? `${group} ` : '';
}

export async function run(argv: string[]): Promise<Outcome> {
  let ctx: CliContext | undefined;
  try {
    const routed = route(argv);
    if ('code' in routed) return routed;
    const { command, args } = routed;
    const values = parseOptions(command, args);
    // Every check that needs no store runs before the store is opened (or created).
    const prepared = await command.prepare(values);
    const config = loadConfig();
    // Loaded only now: store drivers, Redis client and services are what makes start-up slow,
    // and help or a usage error needs none of them.
    const { openContext } = await import('./context.ts');
    ctx = await openContext(config);
    const { data, text } = await prepared.run(ctx);
    return { code: EXIT.ok, stdout: values.json ? json(data) : `${text}\n` };
  } catch (error) {
    if (error instanceof CliError) {
      const hint =
        error.exitCode === EXIT.usage ? `\nRun \`signoff ${helpTarget(argv)}--help\` for usage.` : '';
      return { code: error.exitCode, stderr: `signoff: error: ${error.message}${hint}\n` };
    }
    if (error instanceof ConfigError) {
      return { code: EXIT.config, stderr: `signoff: configuration error: ${error.message}\n` };
    }
    throw error;
  } finally {
    await ctx?.close();
  }
}

const write = (stream: NodeJS.WriteStream, text: string) =>
  new Promise<void>((resolve) => {
    if (text === '') resolve();
    else stream.write(text, () => resolve());
  });

run(process.argv.slice(2))
  .then(async ({ code, stdout = '', stderr = '' }) => {
    await write(process.stdout, stdout);
    await write(process.stderr, stderr);
    // Explicit exit: an unreachable Redis leaves ioredis retrying in the background.
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    // Not an expected outcome: a fault in Signoff or its store, so the stack is worth having.
    await write(
      process.stderr,
      `signoff: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT.failed);
  });
