// The docs test's reading of Markdown (test/helpers/doc-blocks.ts): which blocks run, and a
// marker that is misplaced, unknown or without its reason is an error, never ignored.
import { describe, expect, it } from 'vitest';
import { parseBlocks } from './helpers/doc-blocks.ts';

const doc = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('documentation blocks and docs-test markers', () => {
  it('reads fences with their language, code, line and markers', () => {
    const { blocks, errors } = parseBlocks(
      doc(
        '# Title',
        '',
        '<!-- docs-test: skip (a transcript) -->',
        '```sh',
        '$ signoff pools list',
        '```',
        '',
        "<!-- docs-test: env PASSWORD='correct horse' -->",
        '<!-- docs-test: in-checkout -->',
        '```bash',
        'echo "$PASSWORD"',
        '```',
        '',
        '1. In a list:',
        '',
        '   ```json',
        '   {"a": 1}',
        '   ```',
        '',
        '<!-- docs-test: serve web-app -->',
        '```js',
        'console.log(1);',
        '```',
      ),
    );
    expect(errors).toEqual([]);
    expect(blocks.map((b) => [b.line, b.info, b.language, b.skip, b.env, b.inCheckout, b.serve])).toEqual([
      [4, 'sh', 'shell', 'a transcript', [], false, null],
      [10, 'bash', 'shell', null, ["PASSWORD='correct horse'"], true, null],
      [16, 'json', null, null, [], false, null],
      [21, 'js', 'js', null, [], false, 'web-app'],
    ]);
    expect(blocks[1]!.code).toBe('echo "$PASSWORD"\n');
    expect(blocks[1]!.codeLine).toBe(11);
    expect(blocks[2]!.code).toBe('{"a": 1}\n');
  });

  it('refuses markers that are misplaced, unknown, reasonless, or above a block that never runs', () => {
    const { errors } = parseBlocks(
      doc(
        '<!-- docs-test: skip (orphan) -->',
        '',
        '```sh',
        'true',
        '```',
        '<!-- docs-test: skip () -->',
        '```sh',
        'true',
        '```',
        '<!-- docs-test: skip -->',
        '```sh',
        'true',
        '```',
        '<!-- docs-test: run twice -->',
        '```sh',
        'true',
        '```',
        '<!-- docs-test: skip (output) -->',
        '```json',
        '{}',
        '```',
        '<!-- docs-test: serve web-app -->',
        '```sh',
        'true',
        '```',
        '<!-- docs-test: skip (the end) -->',
      ),
    );
    expect(errors.map((e) => e.line)).toEqual([1, 6, 10, 14, 18, 23, 26]);
  });
});
