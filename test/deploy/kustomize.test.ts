import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { shutdownBudget } from '../../src/config/shutdown-budget.js';
import { appContainer, containerEnv, podSpecOf } from '../support/deploy/pod-spec.js';
import { allSchemaProblems } from '../support/deploy/schemas.js';
import { serviceVerdict } from '../support/deploy/service-verdict.js';
import { find, helms, helmTemplate, kustomize, projectRoot, type K8sObject } from '../support/deploy/tools.js';

const helm = helms().at(-1)!;
const prodToken = 'a-prod-token-of-the-test-0123456789';
const prodDbPassword = 'Prod-Passw0rd-of-the-test';

// The prod overlay needs prestop-token.env, which git ignores; it is rendered from a copy of deploy/.
let copy: string;
beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'kustomize-'));
  cpSync(resolve(projectRoot, 'deploy'), copy, { recursive: true });
  rmSync(join(copy, 'overlays/prod/prestop-token.env'), { force: true });
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

async function build(dir: string): Promise<K8sObject[]> {
  const result = await kustomize(dir);
  if (!result.ok) throw new Error(`kubectl kustomize ${dir} failed:\n${result.output}`);
  return result.objects;
}

async function buildProd(): Promise<K8sObject[]> {
  writeFileSync(join(copy, 'overlays/prod/prestop-token.env'), `PRESTOP_TOKEN=${prodToken}\n`);
  return build(join(copy, 'overlays/prod'));
}

/** A directory of deploy/, the prod overlay with its token file in place. */
const render = (dir: string) => (dir === 'deploy/overlays/prod' ? buildProd() : build(dir));

async function chart(set: Record<string, unknown>): Promise<K8sObject[]> {
  const result = await helmTemplate(helm, { set });
  if (!result.ok) throw new Error(`helm template failed:\n${result.output}`);
  return result.objects;
}

/** The chart's values that the prod overlay's comments say it is equivalent to. */
const prodValues = {
  'database.host': 'sqlserver.example.internal',
  'database.user': 'k8s_service_starter',
  'database.existingSecret': 'k8s-service-starter-db',
  // The overlay says so explicitly, though it is the default.
  'config.DEBUG_ROUTES': 'false',
  'autoscaling.enabled': true,
  'networkPolicy.enabled': true,
  'networkPolicy.metricsFrom': [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    },
  ],
};
const devValues = { 'mssql.enabled': true, 'mssql.acceptEula': true, 'config.DEBUG_ROUTES': 'true' };

/** A release's object name without the release prefix or kustomize's content hash. */
const canonicalName = (name: string) =>
  name.replace(/^demo-/, '').replace(/^(k8s-service-starter(?:-mssql|-db)?)-[a-z0-9]{10}$/, '$1');

/**
 * What an object does, without what only says where it came from: names lose their release prefix and
 * hash suffix, labels, annotations and selectors (which follow the labels) go, env lists are sorted, and
 * secret values (tokens, passwords) are masked.
 */
function normalise(value: unknown, secrets: string[]): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => normalise(item, secrets));
    const nameOf = (item: unknown) => (item as { name?: unknown } | null)?.name;
    if (!items.every((item) => typeof nameOf(item) === 'string')) return items;
    return items.sort((a, b) => String(nameOf(a)).localeCompare(String(nameOf(b))));
  }
  if (value && typeof value === 'object') {
    const skip = new Set(['labels', 'annotations', 'matchLabels', 'selector', 'labelSelector', 'namespace']);
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !skip.has(key))
        .map(([key, inner]) => [key, normalise(inner, secrets)]),
    );
  }
  if (typeof value === 'string') return secrets.includes(value) ? '<secret>' : canonicalName(value);
  return value;
}

const identity = (o: K8sObject) => `${o.kind}/${canonicalName(o.metadata.name)}`;

/** The objects both renderings hold, by kind and canonical name, each normalised. */
function shared(chartObjects: K8sObject[], kustomizeObjects: K8sObject[], kinds: string[]) {
  const secrets = [chartObjects, kustomizeObjects].flatMap((objects) => {
    const env = containerEnv(appContainer(objects).container, objects, {
      'k8s-service-starter-db/password': prodDbPassword,
    });
    return [env.PRESTOP_TOKEN, env.DB_PASSWORD].filter((s): s is string => Boolean(s));
  });
  const pick = (objects: K8sObject[]) =>
    objects
      .filter((o) => kinds.includes(o.kind))
      .sort((a, b) => identity(a).localeCompare(identity(b)))
      .map((o) => normalise(o, secrets));
  return { chart: pick(chartObjects), kustomize: pick(kustomizeObjects) };
}

const kindsOf = (objects: K8sObject[]) => objects.map(identity).sort();

describe('kubectl kustomize of deploy/', () => {
  test.each([['deploy/base'], ['deploy/overlays/dev'], ['deploy/overlays/prod']])(
    '%s renders objects that the Kubernetes schemas accept',
    async (dir) => {
      const objects = await render(dir);
      expect(objects.length).toBeGreaterThanOrEqual(5);
      expect(await allSchemaProblems(objects)).toEqual([]);
    },
  );

  test('the prod overlay does not render until its preStop token file exists, and says which file', async () => {
    rmSync(join(copy, 'overlays/prod/prestop-token.env'), { force: true });
    const result = await kustomize(join(copy, 'overlays/prod'));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('prestop-token.env');
  });

  test('the base is what the chart renders with its default values', async () => {
    const base = await build('deploy/base');
    const defaults = await chart({});
    // The chart adds only its `helm test` pod.
    expect(kindsOf(defaults).filter((k) => k !== 'Pod/k8s-service-starter-test')).toEqual(kindsOf(base));
    const both = shared(defaults, base, [
      'Deployment',
      'Service',
      'ServiceAccount',
      'ConfigMap',
      'PodDisruptionBudget',
    ]);
    expect(both.kustomize).toEqual(both.chart);
  });

  test('the dev overlay is the chart with its in-cluster SQL Server and debug routes, plus a NetworkPolicy in front of SQL Server', async () => {
    const dev = await build('deploy/overlays/dev');
    const chartDev = await chart(devValues);
    const both = shared(chartDev, dev, ['Deployment', 'Service', 'ConfigMap', 'StatefulSet', 'PodDisruptionBudget']);
    expect(both.kustomize).toEqual(both.chart);
    const policy = find(dev, 'NetworkPolicy') as unknown as { spec: { ingress: unknown[] } };
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': 'app' }) } }],
        ports: [{ port: 'tds', protocol: 'TCP' }],
      },
    ]);
  });

  test('the prod overlay is the chart with an external SQL Server, the autoscaler and the NetworkPolicy', async () => {
    const prod = await buildProd();
    const chartProd = await chart(prodValues);
    expect(kindsOf(chartProd).filter((k) => k !== 'Pod/k8s-service-starter-test')).toEqual(kindsOf(prod));
    const both = shared(chartProd, prod, [
      'Deployment',
      'Service',
      'ConfigMap',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'PodDisruptionBudget',
    ]);
    expect(both.kustomize).toEqual(both.chart);
  });
});

describe('the pods deploy/ describes are pods the service agrees to run', () => {
  test.each([['deploy/overlays/dev'], ['deploy/overlays/prod']])(
    '%s: the service accepts its environment, its ports, grace period and preStop token',
    async (dir) => {
      const objects = await render(dir);
      const { pod, container } = appContainer(objects);
      const env = containerEnv(container, objects, { 'k8s-service-starter-db/password': prodDbPassword });
      const verdict = serviceVerdict(env);
      expect(verdict).toMatchObject({ ok: true });
      const config = verdict.ok ? verdict.config : undefined;
      expect(container.ports?.map((p) => [p.name, p.containerPort])).toEqual([
        ['http', config?.port],
        ['admin', config?.adminPort],
      ]);
      expect(pod.terminationGracePeriodSeconds).toBe(config?.terminationGracePeriodSeconds);
      expect(config && shutdownBudget(config)).toMatchObject({ fits: true, totalMs: 25_000 });
      // The placeholder of the base is replaced in both places the token has to be.
      expect(env.PRESTOP_TOKEN).not.toMatch(/placeholder/);
      expect(container.lifecycle?.preStop?.httpGet?.httpHeaders).toEqual([
        { name: 'X-Prestop-Token', value: env.PRESTOP_TOKEN },
      ]);
      if (dir === 'deploy/overlays/prod')
        expect(env).toMatchObject({ PRESTOP_TOKEN: prodToken, DB_PASSWORD: prodDbPassword });
    },
  );

  test('the dev overlay connects the service to its SQL Server with that server’s sa password', async () => {
    const objects = await build('deploy/overlays/dev');
    const env = containerEnv(appContainer(objects).container, objects);
    const mssqlEnv = containerEnv(podSpecOf(find(objects, 'StatefulSet')).containers[0]!, objects);
    expect(env.DB_HOST).toBe(find(objects, 'Service', 'k8s-service-starter-mssql').metadata.name);
    expect(env.DB_PASSWORD).toBe(mssqlEnv.MSSQL_SA_PASSWORD);
    expect(mssqlEnv).toMatchObject({ ACCEPT_EULA: 'Y' });
  });

  test('the dev namespace enforces the restricted Pod Security Standard', async () => {
    const namespace = find(await build('deploy/overlays/dev'), 'Namespace');
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
});
