// The fenced code blocks of a Markdown document and the docs-test markers above them, for
// test/docs-examples.test.ts. A marker is an HTML comment on the line(s) right before a fence,
// invisible once rendered:
//
//   <!-- docs-test: skip (why this block is not run) -->
//   <!-- docs-test: env NAME=value OTHER="$(command)" -->   shell assignments exported first
//   <!-- docs-test: in-checkout -->                         a shell block run in the repository
//   <!-- docs-test: serve DRIVER -->                        a JS server: run in the background,
//                                                            driven by DRIVER, then stopped
//
// A marker that is not right above a fence, names an unknown directive, or skips without a
// reason is an error: the test fails on it rather than guess.

export type Language = 'shell' | 'js' | 'ts';

export interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string, first word: sh, bash, js, json, http… */
  info: string;
  /** What the test runs it as; null for outputs, requests, configuration (never run). */
  language: Language | null;
  code: string;
  /** 1-based line of the code's first line. */
  codeLine: number;
  skip: string | null;
  env: string[];
  inCheckout: boolean;
  serve: string | null;
}

export interface MarkerError {
  line: number;
  message: string;
}

const LANGUAGES: Record<string, Language> = {
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
  ts: 'ts',
  typescript: 'ts',
};

const MARKER = /^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$/;
const OPEN = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;

export function parseBlocks(text: string): { blocks: Block[]; errors: MarkerError[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const errors: MarkerError[] = [];
  let pending: { line: number; directive: string }[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = MARKER.exec(line);
    if (marker) {
      pending.push({ line: i + 1, directive: marker[1]! });
      continue;
    }
    if (/^\s*<!--\s*docs-test/.test(line)) {
      errors.push({ line: i + 1, message: 'a docs-test marker is one whole line: <!-- docs-test: … -->' });
    }
    const open = OPEN.exec(line);
    if (!open) {
      for (const p of pending)
        errors.push({ line: p.line, message: 'a docs-test marker must be right above a fence' });
      pending = [];
      continue;
    }
    const [, indent, fence, info] = open;
    const close = new RegExp(`^\\s*${fence![0]}{${fence!.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]!); j++) {
      // Fences indented in a list item: their content is indented as much.
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!.trimStart());
    }
    const block: Block = {
      line: i + 1,
      info: info!.toLowerCase(),
      language: LANGUAGES[info!.toLowerCase()] ?? null,
      code: `${body.join('\n')}\n`,
      codeLine: i + 2,
      skip: null,
      env: [],
      inCheckout: false,
      serve: null,
    };
    for (const { line: at, directive } of pending) {
      const error = (message: string) => errors.push({ line: at, message });
      const skip = /^skip\s*\((.*)\)$/.exec(directive);
      const env = /^env\s+(\S.*)$/.exec(directive);
      const serve = /^serve\s+([\w-]+)$/.exec(directive);
      if (skip) {
        if (skip[1]!.trim() === '') error('docs-test: skip needs a reason: skip (why)');
        block.skip = skip[1]!.trim();
      } else if (env) block.env.push(env[1]!);
      else if (directive === 'in-checkout') block.inCheckout = true;
      else if (serve) block.serve = serve[1]!;
      else if (/^skip\b/.test(directive)) error('docs-test: skip needs a reason in parentheses: skip (why)');
      else error(`unknown docs-test directive: ${directive}`);
    }
    if (pending.length > 0 && block.language === null) {
      errors.push({
        line: pending[0]!.line,
        message: `a docs-test marker above a \`${block.info || 'plain'}\` block, which is never run`,
      });
    }
    if (block.serve && block.language === 'shell') {
      errors.push({ line: block.line, message: 'docs-test: serve is for JavaScript/TypeScript servers' });
    }
    if (block.inCheckout && block.language !== 'shell') {
      errors.push({ line: block.line, message: 'docs-test: in-checkout is for shell blocks' });
    }
    pending = [];
    blocks.push(block);
    i = j;
  }
  for (const p of pending)
    errors.push({ line: p.line, message: 'a docs-test marker must be right above a fence' });
  return { blocks, errors };
}
