import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot } from './tools.js';

export const systemdDir = resolve(projectRoot, 'deploy/systemd');

/** Every unit file in deploy/systemd/, by file name. */
export const unitFiles = readdirSync(systemdDir)
  .filter((name) => /\.(service|socket)$/.test(name))
  .sort();

export interface Unit {
  readonly file: string;
  readonly path: string;
  /** `[section, key, value]` for every assignment, in order. */
  readonly assignments: ReadonlyArray<readonly [string, string, string]>;
  /** Every value of `key` in `section`, in order. */
  values(section: string, key: string): string[];
  /** Its `Environment=` assignments as one record. */
  readonly environment: Record<string, string>;
}

/** A unit file, parsed as systemd reads it (comments and blank lines dropped; no line continuations used). */
export function readUnit(file: string): Unit {
  const path = resolve(systemdDir, file);
  let section = '';
  const assignments: Array<readonly [string, string, string]> = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else {
      const at = line.indexOf('=');
      assignments.push([section, line.slice(0, at), line.slice(at + 1)]);
    }
  }
  const values = (s: string, key: string) => assignments.filter(([a, k]) => a === s && k === key).map(([, , v]) => v);
  const environment = Object.fromEntries(values('Service', 'Environment').map((pair) => pair.split(/=(.*)/s)));
  return { file, path, assignments, values, environment };
}

/** `systemd-analyze syscall-filter`'s listing as a map from group (`@process`) to its members. */
export function syscallGroups(listing: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  let members: string[] | undefined;
  for (const line of listing.split('\n')) {
    if (/^@\S+$/.test(line)) groups.set(line, (members = []));
    else if (/^\s+[@a-z0-9_-]+$/.test(line)) members?.push(line.trim());
    else if (!line.startsWith(' ')) members = undefined;
  }
  return groups;
}

/**
 * The system calls a unit's `SystemCallFilter=` lines admit, groups expanded: allow-lists add, and a
 * line starting with `~` takes away.
 */
export function allowedSyscalls(
  groups: ReadonlyMap<string, readonly string[]>,
  filters: readonly string[],
): Set<string> {
  const expand = (name: string): string[] => (name.startsWith('@') ? (groups.get(name) ?? []).flatMap(expand) : [name]);
  const allowed = new Set<string>();
  for (const filter of filters) {
    const deny = filter.startsWith('~');
    for (const call of filter.replace(/^~/, '').split(/\s+/).flatMap(expand)) {
      if (deny) allowed.delete(call);
      else allowed.add(call);
    }
  }
  return allowed;
}
