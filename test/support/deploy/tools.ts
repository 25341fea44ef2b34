import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

// Jest runs from the project root (as npm scripts do).
export const projectRoot = process.cwd();
export const chartDir = resolve(projectRoot, 'helm/k8s-service-starter');

export interface Helm {
  version: string;
  path: string;
}

/** The Helm binaries test/support/deploy-tools-setup.mjs fetched (Helm 3 and Helm 4). */
export function helms(): Helm[] {
  const json = process.env.DEPLOY_TEST_HELM;
  if (!json) throw new Error('DEPLOY_TEST_HELM is unset: run the deploy project through jest (its global setup)');
  return JSON.parse(json) as Helm[];
}

export function kubectlPath(): string {
  const path = process.env.DEPLOY_TEST_KUBECTL;
  if (!path) throw new Error('DEPLOY_TEST_KUBECTL is unset: run the deploy project through jest (its global setup)');
  return path;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((doc): doc is K8sObject => doc !== null);
}

export interface Outcome {
  ok: boolean;
  objects: K8sObject[];
  output: string;
}

async function outcome(file: string, args: string[], manifests = true): Promise<Outcome> {
  let result: { stdout: string; stderr: string };
  try {
    result = await run(file, args, { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, objects: [], output: stdout + stderr };
  }
  const { stdout, stderr } = result;
  return { ok: true, objects: manifests ? parseManifests(stdout) : [], output: stdout + stderr };
}

export interface RenderOptions {
  valuesFiles?: string[];
  /** Values as --set-json pairs, so types survive (numbers stay numbers). */
  set?: Record<string, unknown>;
  kubeVersion?: string;
  release?: string;
}

export function helmTemplate(helm: Helm, options: RenderOptions = {}): Promise<Outcome> {
  const args = ['template', options.release ?? 'demo', chartDir, '--namespace', 'shop'];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const [path, value] of Object.entries(options.set ?? {}))
    args.push('--set-json', `${path}=${JSON.stringify(value)}`);
  if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
  return outcome(helm.path, args);
}

export function helmLint(helm: Helm, valuesFile?: string): Promise<Outcome> {
  return outcome(helm.path, ['lint', '--strict', chartDir, ...(valuesFile ? ['--values', valuesFile] : [])], false);
}

export function kustomize(dir: string): Promise<Outcome> {
  return outcome(kubectlPath(), ['kustomize', resolve(projectRoot, dir)]);
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => o.kind).join(', ')}`);
  return found;
}
