import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { settings } from '../../src/config/settings.js';
import { shutdownBudget } from '../../src/config/shutdown-budget.js';
import { prestopTokenHeader } from '../../src/http/prestop-route.js';
import { appContainer, containerEnv, containerPort, podSpecOf } from '../support/deploy/pod-spec.js';
import { allSchemaProblems } from '../support/deploy/schemas.js';
import { serviceVerdict } from '../support/deploy/service-verdict.js';
import { chartDir, find, helms, helmLint, helmTemplate, type K8sObject } from '../support/deploy/tools.js';

const [helm3, helm4] = helms();
const helmCases = helms().map((helm) => [`helm ${helm.version}`, helm] as const);
const valueSets = readdirSync(resolve(chartDir, 'ci')).filter((file) => file.endsWith('-values.yaml'));

async function render(set: Record<string, unknown> = {}, helm = helm4!) {
  const result = await helmTemplate(helm, { set });
  if (!result.ok) throw new Error(`helm template failed:\n${result.output}`);
  return result.objects;
}

/** The app container's environment, as the kubelet would give it. */
const podEnv = (objects: K8sObject[]) => containerEnv(appContainer(objects).container, objects);

describe.each(helmCases)('the chart with %s', (_name, helm) => {
  test.each(valueSets)('lints strictly and renders schema-valid objects with ci/%s', async (valuesFile) => {
    const file = resolve(chartDir, 'ci', valuesFile);
    const lint = await helmLint(helm, file);
    expect({ ok: lint.ok, output: lint.ok ? '' : lint.output }).toEqual({ ok: true, output: '' });
    const rendered = await helmTemplate(helm, { valuesFiles: [file] });
    expect(rendered.output).not.toMatch(/^Error/m);
    expect(rendered.objects.length).toBeGreaterThan(4);
    expect(await allSchemaProblems(rendered.objects)).toEqual([]);
  });
});

describe('the default Deployment agrees with the service it runs', () => {
  test('the pod environment is a configuration the service accepts, on the ports the pod spec names', async () => {
    const objects = await render();
    const { pod, container } = appContainer(objects);
    const verdict = serviceVerdict(containerEnv(container, objects));
    expect(verdict).toMatchObject({ ok: true });
    const config = verdict.ok ? verdict.config : undefined;
    expect(containerPort(container, 'http')).toBe(config?.port);
    expect(containerPort(container, 'admin')).toBe(config?.adminPort);
    expect(pod.terminationGracePeriodSeconds).toBe(config?.terminationGracePeriodSeconds);
    expect(config && shutdownBudget(config)).toMatchObject({ fits: true, totalMs: 18_000, gracePeriodMs: 30_000 });
  });

  test('probes and the preStop hook go to the admin port, the hook with the token the service expects', async () => {
    const objects = await render();
    const { container } = appContainer(objects);
    const env = containerEnv(container, objects);
    expect(container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    const hook = container.lifecycle?.preStop?.httpGet;
    expect(hook).toMatchObject({ path: '/prestop', port: 'admin' });
    expect(hook?.httpHeaders).toEqual([{ name: 'X-Prestop-Token', value: env.PRESTOP_TOKEN }]);
    expect(hook?.httpHeaders?.[0]?.name.toLowerCase()).toBe(prestopTokenHeader);
    expect(env.PRESTOP_MODE).toBe('http');
    expect(env.PRESTOP_TOKEN).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  test('the chart’s shutdown defaults are the service’s own defaults', async () => {
    const env = podEnv(await render());
    for (const setting of [
      settings.port,
      settings.adminPort,
      settings.drainDelayMs,
      settings.drainSweepMs,
      settings.shutdownTimeoutMs,
      settings.telemetryFlushTimeoutMs,
      settings.shutdownMarginMs,
      settings.terminationGracePeriodSeconds,
    ]) {
      expect([setting.env, env[setting.env]]).toEqual([setting.env, String(setting.default)]);
    }
    const db = podEnv(await render({ 'mssql.enabled': true, 'mssql.acceptEula': true }));
    for (const setting of [settings.dbDrainTimeoutMs, settings.dbCancelTimeoutMs, settings.dbPort, settings.dbName]) {
      expect([setting.env, db[setting.env]]).toEqual([setting.env, String(setting.default)]);
    }
  });

  test('with preStop sleep the pod sleeps DRAIN_DELAY_MS and the service knows not to wait again', async () => {
    const objects = await render({ 'shutdown.preStop': 'sleep', 'shutdown.drainDelayMs': 7000 });
    const { container } = appContainer(objects);
    const env = containerEnv(container, objects);
    expect(container.lifecycle?.preStop).toEqual({ sleep: { seconds: 7 } });
    expect(env).toMatchObject({ PRESTOP_MODE: 'sleep', DRAIN_DELAY_MS: '7000' });
    expect(env.PRESTOP_TOKEN).toBeUndefined();
    expect(serviceVerdict(env)).toMatchObject({ ok: true });
  });

  test('with preStop none there is no hook and the service drains on SIGTERM', async () => {
    const objects = await render({ 'shutdown.preStop': 'none' });
    const { container } = appContainer(objects);
    expect(container.lifecycle).toBeUndefined();
    expect(containerEnv(container, objects)).toMatchObject({ PRESTOP_MODE: 'none' });
  });

  test('the in-cluster SQL Server is what the service connects to, with the password of its Secret', async () => {
    const objects = await render({ 'mssql.enabled': true, 'mssql.acceptEula': true });
    const { container } = appContainer(objects);
    const env = containerEnv(container, objects);
    const mssql = find(objects, 'StatefulSet');
    const mssqlEnv = containerEnv(podSpecOf(mssql).containers[0]!, objects);
    const service = find(objects, 'Service', 'demo-k8s-service-starter-mssql') as K8sObject & {
      spec: { ports: Array<{ port: number; targetPort: string }> };
    };
    expect(env).toMatchObject({ DB_HOST: service.metadata.name, DB_PORT: '1433', DB_USER: 'sa' });
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: 1433, targetPort: 'tds' })]);
    expect(env.DB_PASSWORD).toBe(mssqlEnv.MSSQL_SA_PASSWORD);
    expect(env.DB_PASSWORD).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9]).{12,}$/);
    expect(mssqlEnv).toMatchObject({ ACCEPT_EULA: 'Y', MSSQL_PID: 'Developer' });
    const verdict = serviceVerdict(env);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && shutdownBudget(verdict.config).totalMs).toBe(25_000);
  });
});

describe('the chart refuses to render exactly what the service would refuse to run', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['the defaults', {}],
    ['a 20 s drain delay', { 'shutdown.drainDelayMs': 20_000 }],
    [
      'a 20 s drain delay in a 45 s grace period',
      { 'shutdown.drainDelayMs': 20_000, 'shutdown.terminationGracePeriodSeconds': 45 },
    ],
    ['a 15 s drain delay without a database', { 'shutdown.drainDelayMs': 15_000 }],
    [
      'a 15 s drain delay with a database',
      { 'shutdown.drainDelayMs': 15_000, 'mssql.enabled': true, 'mssql.acceptEula': true },
    ],
    ['sleep with a 17 s sleep', { 'shutdown.preStop': 'sleep', 'shutdown.drainDelayMs': 17_000 }],
    ['sleep with a 16 s sleep', { 'shutdown.preStop': 'sleep', 'shutdown.drainDelayMs': 16_000 }],
    ['a 10 s grace period', { 'shutdown.terminationGracePeriodSeconds': 10 }],
    [
      'a DB drain as long as the shutdown timeout',
      { 'mssql.enabled': true, 'mssql.acceptEula': true, 'database.drainTimeoutMs': 8000 },
    ],
    ['a long DB drain without a database', { 'database.drainTimeoutMs': 8000 }],
  ];

  test.each(cases)('%s', async (_name, set) => {
    const rendered = await helmTemplate(helm4!, { set });
    const env = rendered.ok ? podEnv(rendered.objects) : undefined;
    // The env the service would have been given: render with the chart's checks satisfied by a huge grace
    // period and shutdown timeout, then put the two values under test back, and ask the service.
    const widened = await render({
      ...set,
      'shutdown.terminationGracePeriodSeconds': 3600,
      'shutdown.shutdownTimeoutMs': 600_000,
    });
    const wideEnv = podEnv(widened);
    const verdict = serviceVerdict({
      ...wideEnv,
      TERMINATION_GRACE_PERIOD_SECONDS: String(set['shutdown.terminationGracePeriodSeconds'] ?? 30),
      SHUTDOWN_TIMEOUT_MS: String(set['shutdown.shutdownTimeoutMs'] ?? 10_000),
    });
    expect({ chartRenders: rendered.ok }).toEqual({ chartRenders: verdict.ok });
    if (env) expect(serviceVerdict(env)).toMatchObject({ ok: true });
    if (!rendered.ok)
      expect(rendered.output).toMatch(/shutdown budget does not fit|must be below shutdown.shutdownTimeoutMs/);
  });

  test('the budget error names every term, as the service’s own message does', async () => {
    const rendered = await helmTemplate(helm3!, { set: { 'shutdown.drainDelayMs': 20_000 } });
    expect(rendered.ok).toBe(false);
    expect(rendered.output).toContain(
      'shutdown budget does not fit: DRAIN_DELAY_MS 20000 + SHUTDOWN_TIMEOUT_MS 10000 + TELEMETRY_FLUSH_TIMEOUT_MS 1000 + SHUTDOWN_MARGIN_MS 2000 = 33000 ms > terminationGracePeriodSeconds 30 (30000 ms)',
    );
  });

  test('preStop sleep is refused on clusters older than 1.30 and for delays in fractions of a second', async () => {
    const old = await helmTemplate(helm4!, { set: { 'shutdown.preStop': 'sleep' }, kubeVersion: '1.29.9' });
    expect(old.output).toContain('shutdown.preStop=sleep needs Kubernetes 1.30 or newer');
    const fraction = await helmTemplate(helm4!, {
      set: { 'shutdown.preStop': 'sleep', 'shutdown.drainDelayMs': 4500 },
    });
    expect(fraction.output).toContain('must be a multiple of 1000');
  });

  test('the in-cluster SQL Server needs its licence accepted, and an external one needs credentials', async () => {
    const eula = await helmTemplate(helm4!, { set: { 'mssql.enabled': true } });
    expect(eula.output).toContain('mssql.enabled=true needs mssql.acceptEula=true');
    const noUser = await helmTemplate(helm4!, { set: { 'database.host': 'sql', 'database.existingSecret': 's' } });
    expect(noUser.output).toContain('database.user is empty');
    const noSecret = await helmTemplate(helm4!, { set: { 'database.host': 'sql', 'database.user': 'app' } });
    expect(noSecret.output).toContain('give database.existingSecret');
  });
});

describe('what the chart exposes and how it runs', () => {
  test('the Service, Ingress and HTTPRoute reach only the app port; only the NetworkPolicy’s scrapers reach admin', async () => {
    const objects = await render({
      'ingress.enabled': true,
      'httpRoute.enabled': true,
      'httpRoute.parentRefs': [{ name: 'gw' }],
      'networkPolicy.enabled': true,
      'networkPolicy.metricsFrom': [{ namespaceSelector: {} }],
      'metrics.podMonitor.enabled': true,
    });
    const services = objects.filter((o) => o.kind === 'Service') as unknown as Array<{ spec: { ports: unknown[] } }>;
    expect(services.map((s) => s.spec.ports)).toEqual([
      [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    ]);
    const ingress = JSON.stringify(find(objects, 'Ingress'));
    expect(ingress).toContain('"port":{"name":"http"}');
    expect(JSON.stringify(find(objects, 'HTTPRoute'))).toContain(
      '"backendRefs":[{"name":"demo-k8s-service-starter","port":80}]',
    );
    const policy = find(objects, 'NetworkPolicy') as unknown as {
      spec: { ingress: Array<{ ports: unknown; from?: unknown }> };
    };
    expect(policy.spec.ingress).toEqual([
      { ports: [{ port: 'http', protocol: 'TCP' }] },
      { ports: [{ port: 'admin', protocol: 'TCP' }], from: [{ namespaceSelector: {} }] },
    ]);
    expect(find(objects, 'PodMonitor')).toMatchObject({
      spec: { podMetricsEndpoints: [{ port: 'admin', path: '/metrics' }] },
    });
  });

  test('pods run restricted: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, no API token', async () => {
    const objects = await render({ 'mssql.enabled': true, 'mssql.acceptEula': true });
    const { pod, container } = appContainer(objects);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(find(objects, 'ServiceAccount')).toMatchObject({ automountServiceAccountToken: false });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.resources).toMatchObject({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '512Mi' },
    });
    const mssql = podSpecOf(find(objects, 'StatefulSet'));
    expect(mssql.automountServiceAccountToken).toBe(false);
    expect(mssql.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(mssql.containers[0]?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('a rollout surges one pod and never takes a ready one away first; the budget lets one go at a time', async () => {
    const objects = await render();
    expect(find(objects, 'Deployment')).toMatchObject({
      spec: {
        replicas: 2,
        minReadySeconds: 5,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      },
    });
    expect(find(objects, 'PodDisruptionBudget')).toMatchObject({ spec: { maxUnavailable: 1 } });
    const autoscaled = await render({ 'autoscaling.enabled': true });
    expect((find(autoscaled, 'Deployment') as unknown as { spec: object }).spec).not.toHaveProperty('replicas');
    expect(find(autoscaled, 'HorizontalPodAutoscaler')).toMatchObject({
      apiVersion: 'autoscaling/v2',
      spec: { minReplicas: 2 },
    });
  });

  test('a change of configuration changes the pod template, and a set token stays the same', async () => {
    const annotations = async (set: Record<string, unknown>) =>
      (
        find(await render(set), 'Deployment') as unknown as {
          spec: { template: { metadata: { annotations: Record<string, string> } } };
        }
      ).spec.template.metadata.annotations;
    const token = { 'shutdown.prestopToken': 'a-token-of-twenty-chars' };
    const before = await annotations(token);
    expect(await annotations(token)).toEqual(before);
    expect((await annotations({ ...token, 'config.LOG_LEVEL': 'debug' }))['checksum/config']).not.toBe(
      before['checksum/config'],
    );
    const objects = await render(token);
    expect(containerEnv(appContainer(objects).container, objects).PRESTOP_TOKEN).toBe('a-token-of-twenty-chars');
  });
});
