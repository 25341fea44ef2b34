import { find, type K8sObject } from './tools.js';

export interface Probe {
  httpGet?: { path: string; port: string | number; httpHeaders?: Array<{ name: string; value: string }> };
  tcpSocket?: { port: string | number };
  sleep?: { seconds: number };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: Probe };
  securityContext?: Record<string, unknown>;
  resources?: Record<string, unknown>;
}

export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  serviceAccountName?: string;
  [key: string]: unknown;
}

export function podSpecOf(workload: K8sObject): PodSpec {
  return (workload as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

export function containerPort(container: Container, name: string): number {
  const port = container.ports?.find((p) => p.name === name);
  if (!port) throw new Error(`container ${container.name} has no port named ${name}`);
  return port.containerPort;
}

const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

/**
 * The environment the kubelet would give `container`: envFrom ConfigMaps and Secrets first, then env,
 * with references resolved against the rendered objects. A reference to a Secret that is not rendered
 * (an existing Secret) resolves to `existingSecrets[name/key]`, or fails.
 */
export function containerEnv(
  container: Container,
  objects: K8sObject[],
  existingSecrets: Record<string, string> = {},
): Record<string, string> {
  const data = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined => {
    const object = objects.find((o) => o.kind === kind && o.metadata.name === name) as
      (K8sObject & { data?: Record<string, string> }) | undefined;
    if (!object) return undefined;
    const entries = Object.entries(object.data ?? {});
    return Object.fromEntries(kind === 'Secret' ? entries.map(([k, v]) => [k, decode(v)]) : entries);
  };
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, data('ConfigMap', source.configMapRef.name) ?? {});
    if (source.secretRef) Object.assign(env, data('Secret', source.secretRef.name) ?? {});
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    const ref = entry.valueFrom?.secretKeyRef ?? entry.valueFrom?.configMapKeyRef;
    if (!ref) continue;
    const kind = entry.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const value = data(kind, ref.name)?.[ref.key] ?? existingSecrets[`${ref.name}/${ref.key}`];
    if (value === undefined) throw new Error(`${entry.name}: ${kind} ${ref.name} has no key ${ref.key}`);
    env[entry.name] = value;
  }
  return env;
}

export function appContainer(objects: K8sObject[]): { deployment: K8sObject; pod: PodSpec; container: Container } {
  const deployment = find(objects, 'Deployment');
  const pod = podSpecOf(deployment);
  const container = pod.containers.find((c) => c.name === 'app');
  if (!container) throw new Error('the Deployment has no container named app');
  return { deployment, pod, container };
}
