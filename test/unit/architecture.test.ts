import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const doc = readFileSync('docs/architecture.md', 'utf8');

/** Every .ts file under src/, as a path relative to src/. */
function sources(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [relative('src', path)] : [];
  });
}

/** A module's node in the diagram: its folder, or for an entry point at the top of src/ `<name>Entry`. */
const nodeOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : `${path.replace(/\.ts$/, '')}Entry`);

/** `from` → `to` for every import that crosses a folder (static and dynamic imports, types included). */
function folderGraph(): string[] {
  const edges = new Set<string>();
  for (const file of sources()) {
    const text = readFileSync(join('src', file), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(file), specifier!));
      const [from, to] = [nodeOf(file), nodeOf(target)];
      if (from !== to) edges.add(`${from} --> ${to}`);
    }
  }
  return [...edges].sort();
}

/** The edges of the first Mermaid block under `heading`, node labels stripped. */
function diagramEdges(heading: string): string[] {
  const section = doc.slice(doc.indexOf(heading));
  const block = /```mermaid\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .filter((line) => line.includes('-->'))
    .map((line) =>
      line
        .replace(/\[[^\]]*\]/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .sort();
}

describe('docs/architecture.md', () => {
  it('draws exactly the imports between the folders of src/', () => {
    expect(diagramEdges('## Modules')).toEqual(folderGraph());
  });

  it('describes every folder of src/ in its table of modules', () => {
    const folders = readdirSync('src', { withFileTypes: true }).filter((e) => e.isDirectory());
    const missing = folders.map((f) => `\`src/${f.name}/\``).filter((name) => !doc.includes(`| ${name}`));
    expect(missing).toEqual([]);
  });

  it('names only files that exist, but for the examples of its checklists', () => {
    const examples = /^src\/(invoices|cache)\/|invoices|NNNN/;
    const named = [...doc.matchAll(/`((?:src|test|packages|helm|deploy)\/[\w./-]+\.(?:ts|sql|yaml|tpl|json|env))`/g)];
    const missing = named.map(([, path]) => path!).filter((path) => !examples.test(path) && !existsSync(path));
    expect(missing).toEqual([]);
  });
});
