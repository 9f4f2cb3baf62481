// Usage text, generated from the command table so that help cannot drift from the parser.
import { COMMANDS, type Command } from './command-specs.ts';

const COMMON = [
  ['--json', 'print one JSON document on stdout instead of text'],
  ['--help', 'show this help'],
] as const;

const ENVIRONMENT = `Environment (the server's, see docs/cli.md):
  SIGNOFF_DATA_DIR   embedded store directory (default ./data)
  DATABASE_URL       postgres://… instead of the embedded store
  REDIS_URL          redis://… so that running servers hear of ended sessions and new keys at once`;

const EXIT_CODES = `Exit codes: 0 done, 1 not found or failed, 2 usage error, 78 configuration error.`;

const columns = (rows: readonly (readonly [string, string])[]) => {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
};

export function overview(): string {
  return `signoff — manage Signoff's user pools, applications, users and sessions from the shell.

Usage: signoff <command> [options]

Commands:
${columns(COMMANDS.map((c) => [`${c.group} ${c.name}`, c.summary]))}

Options of every command:
${columns(COMMON)}
  --pool defaults to the default user pool (the first one created).

Run \`signoff <command> --help\` for a command's options.

${ENVIRONMENT}

${EXIT_CODES}
`;
}

export function groupHelp(group: string): string {
  const commands = COMMANDS.filter((c) => c.group === group);
  return `Usage:
${commands.map((c) => `  signoff ${c.group} ${c.name} ${c.synopsis}`.trimEnd()).join('\n')}

${columns(commands.map((c) => [`${c.group} ${c.name}`, c.summary]))}

Run \`signoff ${group} <command> --help\` for a command's options.
`;
}

/** Breaks prose into lines of at most `width` characters, at spaces. */
function wrap(text: string, width = 90): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

export function commandHelp(command: Command): string {
  const options = Object.entries(command.options).map(
    ([flag, spec]) =>
      [
        `--${flag}${spec.value ? ` ${spec.value}` : ''}`,
        `${spec.description}${spec.multiple ? ' (repeatable)' : ''}`,
      ] as const,
  );
  return (
    `Usage: signoff ${command.group} ${command.name} ${command.synopsis}`.trimEnd() +
    `

${wrap(command.details ? `${command.summary} ${command.details}` : command.summary)}

Options:
${columns([...options, ...COMMON])}

${EXIT_CODES}
`
  );
}
