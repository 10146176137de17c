import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectGraph, workspaceRoot, type ProjectGraphFile } from './workspace.js';

/*
 * docs/architecture.md draws the project graph that `nx graph --file=…` reports, between the markers below:
 * every project in its folder (apps, libs, tools) and every edge, `-->` for an import, `-.->` for an implicit
 * dependency declared in package.json. Regenerate with FRAUDOPS_UPDATE_GOLDEN=1 after an edge changes.
 */
const START =
  '<!-- project-graph: generated from `npx nx graph --file=graph.json` by tools/workspace-checks/src/project-graph.spec.ts -->';
const END = '<!-- /project-graph -->';

const id = (name: string) => name.replace(/-/g, '_');

export function projectGraphMermaid({ graph }: ProjectGraphFile): string {
  const lines = ['```mermaid', 'graph LR'];
  for (const folder of ['apps', 'libs', 'tools']) {
    const names = Object.values(graph.nodes)
      .filter((node) => node.data.root.startsWith(`${folder}/`))
      .map((node) => node.name)
      .sort();
    lines.push(`  subgraph ${folder}`, ...names.map((name) => `    ${id(name)}[${name}]`), '  end');
  }
  for (const source of Object.keys(graph.dependencies).sort()) {
    const edges = new Map<string, string>();
    for (const { target, type } of graph.dependencies[source]) {
      if (!graph.nodes[target] || target === source) continue;
      // an import wins over an implicit edge to the same project
      if (type !== 'implicit' || !edges.has(target)) edges.set(target, type === 'implicit' ? '-.->' : '-->');
    }
    for (const target of [...edges.keys()].sort()) lines.push(`  ${id(source)} ${edges.get(target)} ${id(target)}`);
  }
  lines.push('```');
  return lines.join('\n');
}

describe('docs/architecture.md project graph', () => {
  it('is the graph nx reports', () => {
    const path = join(workspaceRoot, 'docs/architecture.md');
    const page = readFileSync(path, 'utf8');
    const start = page.indexOf(START);
    const end = page.indexOf(END);
    expect({ start: start >= 0, end: end > start }).toEqual({ start: true, end: true });
    const drawn = page.slice(start + START.length, end).trim();
    const generated = projectGraphMermaid(loadProjectGraph());
    if (process.env['FRAUDOPS_UPDATE_GOLDEN'] === '1') {
      writeFileSync(path, `${page.slice(0, start + START.length)}\n${generated}\n${page.slice(end)}`);
    }
    expect(drawn).toBe(generated);
  });
});
