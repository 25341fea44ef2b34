// What the measured build contains, so a reader knows what "service" meant in this run: the targets
// speak of metrics and overload protection being on, and the build is a moving target while they land.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fromRoot, hasInstrumentation, instrumentationPath } from './targets.mjs';

const importPattern = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The modules the service targets run: dist/main.js, and the --import module when there is one. */
export const serviceEntries = () => [fromRoot('dist/main.js'), ...(hasInstrumentation() ? [instrumentationPath] : [])];

/** Package names imported anywhere in the modules reachable from `entries` (static and dynamic imports). */
export function packagesReachableFrom(entries = serviceEntries()) {
  const seen = new Set();
  const packages = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  entries.forEach(visit);
  return packages;
}

/** Asks the admin listener for /metrics; returns how many requests the request histogram has counted. */
export async function probeMetrics(adminPort) {
  if (!adminPort) return { status: 'no admin port' };
  const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
  const text = await response.text();
  if (response.status !== 200) return { status: response.status };
  const counted = [...text.matchAll(/^http_request_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
  return { status: 200, requestsCounted: counted };
}
