// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by owner (our dist/
// code, each npm package, Node internals), so "where does the time go" has an answer in the terminal.
// Also runnable alone: node test/bench/cpu-profile.mjs reports/cpu-profiles/<file>.cpuprofile
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Who a profile frame belongs to, from its script URL. */
export function ownerOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : 'node (native)';
  if (url.startsWith('node:')) return 'node (internals)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inPackage) return inPackage[1];
  if (/\/(dist|src)\//.test(url)) return 'ours (dist/)';
  return 'other';
}

/** Self time per function and per owner, in ms, from the samples and their time deltas. */
export function summariseProfile(profile) {
  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMsByNode = new Map();
  profile.samples.forEach((id, i) => {
    selfMsByNode.set(id, (selfMsByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const byFunction = new Map();
  const byOwner = new Map();
  let totalMs = 0;
  for (const [id, ms] of selfMsByNode) {
    const { functionName, url, lineNumber } = nodesById.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const owner = ownerOf(url, name);
    const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, owner, selfMs: 0 };
    entry.selfMs += ms;
    byFunction.set(key, entry);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + ms);
    totalMs += ms;
  }
  const sorted = (entries) => [...entries].sort((a, b) => b.selfMs - a.selfMs);
  return {
    totalMs,
    // Percentages are of the time the process was busy: idle time says nothing about the request path.
    busyMs: totalMs - (byOwner.get('(idle)') ?? 0),
    functions: sorted(byFunction.values()),
    owners: sorted([...byOwner].map(([owner, selfMs]) => ({ owner, selfMs }))),
  };
}

const percent = (ms, totalMs) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)} %`;

/**
 * With `requests` (how many the child served), each line also shows µs per request: comparable between
 * two targets' profiles, where shares of each one's own busy time are not.
 */
export function formatProfileSummary(
  { totalMs, busyMs, functions, owners },
  { topN = 25, minPercent = 0.1, requests } = {},
) {
  const busy = (entries) => entries.filter((e) => e.owner !== '(idle)' && e.selfMs >= (busyMs * minPercent) / 100);
  const perRequest = (ms) => (requests ? `${((1000 * ms) / requests).toFixed(2).padStart(7)} µs/req  ` : '');
  const lines = [
    `${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy; shares are of busy time` +
      (requests ? `; ${requests} requests served, ${perRequest(busyMs).trim()} busy` : ''),
    'self time by owner:',
  ];
  for (const { owner, selfMs } of busy(owners))
    lines.push(`  ${percent(selfMs, busyMs)}  ${perRequest(selfMs)}${owner}`);
  lines.push(`top ${topN} functions by self time:`);
  for (const f of busy(functions).slice(0, topN)) {
    lines.push(`  ${percent(f.selfMs, busyMs)}  ${perRequest(f.selfMs)}${f.name}  [${f.owner}] ${f.where}`);
  }
  return lines.join('\n');
}

export function summariseProfileFile(path, options) {
  return formatProfileSummary(summariseProfile(JSON.parse(readFileSync(path, 'utf8'))), options);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const path of process.argv.slice(2)) console.log(`${path}\n${summariseProfileFile(path)}\n`);
}
