import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// What the tests measured, as JSON under reports/ for CI to print (scripts/ci/print-reports.mjs). Node
// imports this file itself too (the global setups are plain .mjs), so: erasable TypeScript only, and no
// import of @jest/globals, which throws outside a test file; a test's name comes from Jest's global expect.

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A count, or a quantity with its unit in its name (`sigtermToExitMs`); counts by kind in one object. */
export type Figure = number | Readonly<Record<string, number>>;
export type Fact = string | number | boolean | readonly string[];

export interface Measurement {
  /** The test's full name, as Jest reports it. */
  test: string;
  /** One sentence for people, with the same figures. */
  summary: string;
  figures: Readonly<Record<string, Figure>>;
}

function write(path: string, report: object): void {
  const file = join(root, 'reports', path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), ...report }, null, 2)}\n`);
}

/** To stderr, with Jest's own output (stdout may carry `--json`), without the stack location Jest's console adds. */
const print = (line: string) => process.stderr.write(`${line}\n`);

interface JestGlobals {
  expect: { getState(): { currentTestName?: string; testPath?: string } };
}

// One list per test file: Jest gives each test file its own module registry, and runs its tests in order.
const measurements: Measurement[] = [];

/**
 * Records what the running test measured in reports/<suite>/<test file>.json (one report per test file,
 * so parallel workers never write the same one), and prints the summary.
 */
export function recordMeasurement(summary: string, figures: Measurement['figures']): void {
  const { currentTestName, testPath } = (globalThis as unknown as JestGlobals).expect.getState();
  if (!currentTestName || !testPath) throw new Error('recordMeasurement belongs inside a test');
  measurements.push({ test: currentTestName, summary, figures });
  const file = relative(root, testPath);
  write(join(basename(dirname(file)), `${basename(file, '.test.ts')}.json`), { file, measurements });
  print(summary);
}

/** Records what a suite ran against (a database, tool versions) in reports/targets/<name>.json, and prints it. */
export function recordTarget(name: string, summary: string, facts: Readonly<Record<string, Fact>>): void {
  write(join('targets', `${name}.json`), { summary, ...facts });
  print(`\n${summary}`); // a global setup prints before Jest's first line ends
}
