import type { K8sObject } from './tools.js';

type Model = new (data: unknown) => { validate(): void };

/** The npm package whose generated models (JSON schema validators) cover an apiVersion's group. */
function modelModule(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return `kubernetes-models/${version}`;
  if (group === 'gateway.networking.k8s.io') return `@kubernetes-models/gateway-api/${group}/${version}`;
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  return `kubernetes-models/${group}/${version}`;
}

/**
 * Problems of one object against the Kubernetes OpenAPI schema (types, enums, required fields) as the
 * `kubernetes-models` packages generate it; an unknown apiVersion or kind is a problem too.
 */
export async function schemaProblems(object: K8sObject): Promise<string[]> {
  let models: Record<string, Model>;
  try {
    models = (await import(modelModule(object.apiVersion))) as Record<string, Model>;
  } catch (error) {
    return [`${object.kind} ${object.metadata.name}: no schema for ${object.apiVersion} (${String(error)})`];
  }
  const model = models[object.kind];
  if (!model) return [`${object.kind} ${object.metadata.name}: unknown kind in ${object.apiVersion}`];
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return [`${object.kind} ${object.metadata.name}: ${(error as Error).message}`];
  }
}

/** One object after the other: Jest's ESM loader fails concurrent first imports of one module. */
export async function allSchemaProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) problems.push(...(await schemaProblems(object)));
  return problems;
}
