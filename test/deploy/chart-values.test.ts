import { describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { allSchemaProblems } from '../support/deploy/schemas.js';
import { chartDir, helms, helmTemplate, type K8sObject } from '../support/deploy/tools.js';

const values = parse(readFileSync(resolve(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(resolve(chartDir, 'values.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** values.yaml with `path` (dotted) set to `value`, as `--set-json` would. */
function withValue(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(values);
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return copy;
}

/** Helm's coalescing of a values file over values.yaml: maps merge key by key, everything else replaces. */
function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    const bothMaps = [current, value].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    merged[key] = bothMaps ? mergeValues(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged;
}

describe('values.schema.json', () => {
  test('accepts values.yaml and every ci/ value set', () => {
    expect([validate(values), validate.errors ?? []]).toEqual([true, []]);
    for (const file of readdirSync(resolve(chartDir, 'ci'))) {
      const set = parse(readFileSync(resolve(chartDir, 'ci', file), 'utf8')) as Record<string, unknown>;
      const merged = mergeValues(values, set);
      expect([file, validate(merged), validate.errors ?? []]).toEqual([file, true, []]);
    }
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['replicaCount', 'two', /replicaCount/],
    ['replicaCount', 0, /replicaCount/],
    ['shutdown.preStop', 'exec', /preStop/],
    ['shutdown.drainDelayMs', '5s', /drainDelayMs/],
    ['shutdown.drainDelayMs', -1, /drainDelayMs/],
    ['shutdown.terminationGracePeriodSeconds', 0, /terminationGracePeriodSeconds/],
    ['shutdown.prestopToken', 'short', /prestopToken/],
    ['shutdown.drainDelay', 5000, /drainDelay/],
    ['ports.admin', 70000, /admin/],
    ['image.pullPolicy', 'Sometimes', /pullPolicy/],
    ['image.digest', 'latest', /digest/],
    ['database.encrypt', true, /encrypt/],
    ['database.pool.max', 0, /max/],
    ['config.DRAIN_DELAY_MS', '1000', /config/],
    ['config.DB_HOST', 'sql', /config/],
    ['config.log_level', 'info', /config/],
    ['service.type', 'ExternalName', /type/],
    ['mssql.memoryLimitMb', 1024, /memoryLimitMb/],
    ['podDisruptionBudget.maxUnavailable', 0, /maxUnavailable/],
    ['unknownTopLevel', true, /unknownTopLevel/],
  ];

  test.each(bad)('rejects %s = %j, and so does helm', async (path, value, named) => {
    expect(validate(withValue(path, value))).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(named);
    for (const helm of helms()) {
      const rendered = await helmTemplate(helm, { set: { [path]: value } });
      expect({ helm: helm.version, ok: rendered.ok }).toEqual({ helm: helm.version, ok: false });
      expect(rendered.output).toMatch(/schema|values don't meet/i);
    }
  });
});

/** `.Values.a.b` paths in a template, with `$x := .Values.a` aliases followed (`$x.b` is `.Values.a.b`). */
function valuesPaths(template: string): string[] {
  const aliases = new Map<string, string>();
  for (const [, name, path] of template.matchAll(/(\$[A-Za-z]\w*)\s*:=\s*\.Values((?:\.\w+)*)/g))
    aliases.set(name!, path!);
  const paths = [...template.matchAll(/\.Values((?:\.\w+)+)/g)].map((m) => m[1]!);
  for (const [name, prefix] of aliases) {
    for (const [, rest] of template.matchAll(new RegExp(`\\${name}((?:\\.\\w+)+)`, 'g'))) paths.push(prefix + rest!);
  }
  return paths.map((p) => p.slice(1));
}

function templateFiles(dir = resolve(chartDir, 'templates')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(resolve(dir, entry.name)) : [resolve(dir, entry.name)],
  );
}

describe('the templates', () => {
  test('use only values that values.yaml declares', () => {
    const missing: string[] = [];
    let used = 0;
    for (const file of templateFiles()) {
      for (const path of valuesPaths(readFileSync(file, 'utf8'))) {
        used++;
        let node: unknown = values;
        for (const key of path.split('.')) {
          if (node === null || typeof node !== 'object' || !(key in node)) {
            missing.push(`${file.slice(chartDir.length + 1)}: .Values.${path}`);
            break;
          }
          node = (node as Record<string, unknown>)[key];
        }
      }
    }
    expect(used).toBeGreaterThan(80);
    expect(missing).toEqual([]);
  });

  test('the path check finds an undeclared value, through an alias too', () => {
    expect(valuesPaths('{{ .Values.a.b }} {{- $s := .Values.shutdown }}{{ $s.drainDelayMs }}')).toEqual([
      'a.b',
      'shutdown',
      'shutdown.drainDelayMs',
    ]);
  });

  test('the schema check of rendered objects reports a broken one', async () => {
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'broken' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 'x' }] }] } } },
    } as unknown as K8sObject;
    expect(await allSchemaProblems([broken])).toEqual([expect.stringContaining('containerPort must be integer')]);
    expect(await allSchemaProblems([{ ...broken, apiVersion: 'apps/v9' }])).toEqual([
      expect.stringContaining('no schema for apps/v9'),
    ]);
  });
});
