import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { settings } from '../../src/config/settings.js';
import { dockerfile, runtime, runtimeInstruction, stages } from '../support/deploy/dockerfile.js';
import { appContainer } from '../support/deploy/pod-spec.js';
import { find, helms, helmTemplate, projectRoot } from '../support/deploy/tools.js';

describe('the Dockerfile', () => {
  test('builds in stages and runs on a distroless Node 24 image, which has no shell', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime[0]?.args).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12:nonroot\b/);
    // Without a shell, no RUN can work in the runtime stage; none may be there.
    expect(runtime.filter((i) => i.keyword === 'RUN' || i.keyword === 'SHELL')).toEqual([]);
  });

  test('the runtime stage gets production dependencies only, and the compiled service', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    const nodeModules = copies.find((args) => / \.?\/?node_modules|node_modules \./.test(args));
    const source = /--from=([\w-]+)/.exec(nodeModules ?? '')?.[1];
    const sourceStage = stages.find((stage) => new RegExp(`\\bAS ${source}$`, 'i').test(stage[0]?.args ?? ''));
    expect(sourceStage?.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toEqual([
      expect.stringMatching(/npm ci .*--omit=dev.*--omit=optional/),
    ]);
    expect(copies).toEqual(expect.arrayContaining([expect.stringMatching(/--from=build \/app\/dist \.\/dist/)]));
  });

  test('leaves out the workspace packages, which the service does not depend on', () => {
    const read = (file: string) => JSON.parse(readFileSync(resolve(projectRoot, file), 'utf8')) as unknown;
    const lock = read('package-lock.json') as { packages: Record<string, { link?: boolean }> };
    const workspaces = Object.entries(lock.packages)
      .filter(([, entry]) => entry.link)
      .map(([path]) => path.replace(/^node_modules\//, ''));
    expect(workspaces.length).toBeGreaterThan(0);
    // A dependency on one would be a dangling link in the image, whose context has no packages/.
    const { dependencies = {} } = read('package.json') as { dependencies?: Record<string, string> };
    expect(Object.keys(dependencies).filter((name) => workspaces.includes(name))).toEqual([]);
    const copied = dockerfile.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from')).map((i) => i.args);
    expect(copied.filter((args) => /\bpackages\b/.test(args))).toEqual([]);
  });

  test('runs as a numeric non-root user, the one the chart’s pod security context names', async () => {
    const user = runtimeInstruction('USER');
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const [uid, gid = uid] = (user ?? '').split(':').map(Number);
    const { pod } = appContainer((await helmTemplate(helms()[0]!)).objects);
    expect(pod.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: gid, runAsNonRoot: true });
  });

  test('starts the service with the instrumentation preloaded, in exec form, as npm start does', () => {
    const entrypoint = JSON.parse(runtimeInstruction('ENTRYPOINT') ?? 'null') as string[];
    expect(entrypoint).toEqual(['/nodejs/bin/node', '--import', './dist/instrumentation.js', 'dist/main.js']);
    const start = (
      JSON.parse(readFileSync(resolve(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts.start;
    expect(start).toContain(`exec node ${entrypoint.slice(1).join(' ')}`);
    expect(runtimeInstruction('CMD')).toBeUndefined();
    expect(runtimeInstruction('STOPSIGNAL')).toBe('SIGTERM');
  });

  test('exposes the two listeners’ default ports and carries the OCI labels', () => {
    expect(runtimeInstruction('EXPOSE')?.split(/\s+/)).toEqual([
      String(settings.port.default),
      String(settings.adminPort.default),
    ]);
    const labels = runtime
      .filter((i) => i.keyword === 'LABEL')
      .map((i) => i.args)
      .join(' ');
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  test('the helm test pod runs the image’s own node, since the image has no shell', async () => {
    const objects = (await helmTemplate(helms()[0]!)).objects;
    const testPod = find(objects, 'Pod') as unknown as { spec: { containers: Array<{ command: string[] }> } };
    const entrypoint = JSON.parse(runtimeInstruction('ENTRYPOINT') ?? '[]') as string[];
    expect(testPod.spec.containers[0]?.command[0]).toBe(entrypoint[0]);
  });
});

describe('.dockerignore', () => {
  test('keeps local node_modules, dist, .git and secrets out of the build context', () => {
    const rules = readFileSync(resolve(projectRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    // An allow-list: everything is ignored, then only what the build copies comes back.
    expect(rules[0]).toBe('*');
    const allowed = rules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1));
    expect(allowed.sort()).toEqual([
      'package-lock.json',
      'package.json',
      'src/',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    const copied = dockerfile
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const path of copied) expect(allowed).toContain(path === 'src' ? 'src/' : path);
  });
});
