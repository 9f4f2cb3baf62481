// Writes docs/openapi.json: the document the server serves at /api/openapi.json, generated
// from the route schemas by building the real app in-process (no port, no data on disk).
//
//   npm run docs:openapi            rewrite docs/openapi.json
//   npm run docs:openapi -- --check exit 1 when docs/openapi.json is out of date
//
// test/docs.test.ts runs the same comparison, so the document cannot drift from the code.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/app.ts';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { loadConfig } from '../src/config.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createServices } from '../src/domain/services.ts';
import { createSqlStore } from '../src/store/sql/sql-store.ts';
import { createSqliteDriver } from '../src/store/sqlite/sqlite-driver.ts';

export const OPENAPI_PATH = path.join(import.meta.dirname, '..', 'docs', 'openapi.json');

/** The documented server: what a default local start (`npm start`) listens on. */
const DOCUMENTED_SERVER = 'http://localhost:3000';

const quiet = { info() {}, warn() {}, error() {} };

/** The OpenAPI document of the current code, as the text docs/openapi.json must hold. */
export async function renderOpenAPI(): Promise<string> {
  // Defaults only: nothing from this machine's environment may reach the document.
  const settings = loadConfig({}, '/');
  const store = createSqlStore(createSqliteDriver(':memory:'));
  await store.migrate();
  const bus = createMemoryBus();
  const services = await createServices({
    store,
    bus,
    clock: systemClock,
    log: quiet,
    settings,
    background: false,
  });
  const app = await buildApp({ services });
  try {
    await app.ready();
    const document = structuredClone(app.swagger()) as Record<string, unknown>;
    document.servers = [{ url: DOCUMENTED_SERVER }];
    return `${JSON.stringify(document, null, 2)}\n`;
  } finally {
    await app.close();
    await services.stop();
    await bus.close();
    await store.close();
  }
}

async function main(argv: string[]) {
  const expected = await renderOpenAPI();
  const relative = path.relative(process.cwd(), OPENAPI_PATH);
  if (argv.includes('--check')) {
    let current: string | null = null;
    try {
      current = readFileSync(OPENAPI_PATH, 'utf8');
    } catch {
      // Missing counts as out of date.
    }
    if (current !== expected) {
      process.stderr.write(
        `${relative} does not match the routes' schemas: run \`npm run docs:openapi\` and commit the result.\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`${relative} is up to date.\n`);
    return;
  }
  writeFileSync(OPENAPI_PATH, expected);
  process.stdout.write(`wrote ${relative}\n`);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`write-openapi: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
