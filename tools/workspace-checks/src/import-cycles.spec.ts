import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import madge from 'madge';
import { loadProjectGraph, workspaceRoot } from './workspace.js';

/*
 * No import cycles: between files of any project (madge over each project's sources, resolving `.js`
 * specifiers to the `.ts` files as TypeScript's NodeNext resolution does, type-only imports included), and
 * between projects (Nx's project graph). A cycle hides which file is the base and which builds on it.
 */

const TSCONFIG = join(workspaceRoot, 'tsconfig.base.json');

async function fileCycles(dirs: string | string[]): Promise<string[][]> {
  const result = await madge(dirs, {
    baseDir: Array.isArray(dirs) ? workspaceRoot : dirs,
    fileExtensions: ['ts'],
    tsConfig: TSCONFIG,
    excludeRegExp: [/\.d\.ts$/, /node_modules/, /\/dist\//, /\/out-tsc\//],
    detectiveOptions: { ts: { skipTypeImports: false, mixedImports: true }, es6: { mixedImports: true } },
  });
  return result.circular();
}

function projectSources(): string[] {
  const dirs: string[] = [];
  for (const kind of ['apps', 'libs', 'tools']) {
    for (const project of readdirSync(join(workspaceRoot, kind))) {
      const src = join(workspaceRoot, kind, project, 'src');
      if (existsSync(src)) dirs.push(src);
    }
  }
  return dirs.sort();
}

describe('import cycles', () => {
  it('are found between files, through a dynamic import too (a fixture)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudops-cycle-'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
    writeFileSync(join(dir, 'b.ts'), "export const b = async () => (await import('./a.js')).a;\n");
    writeFileSync(join(dir, 'c.ts'), "import { a } from './a.js';\nexport const c = a;\n");
    expect(await fileCycles(dir)).toEqual([['a.ts', 'b.ts']]);
  });

  // One pass over every project's sources (a deadline, not a timing check: it parses ~400 files).
  it('exist between no two files of any project', async () => {
    const cycles = await fileCycles(projectSources());
    expect(cycles.map((cycle) => cycle.join(' → '))).toEqual([]);
  }, 300_000);

  it('exist between no two projects of the Nx graph', () => {
    const { dependencies } = loadProjectGraph().graph;
    const projects = Object.keys(dependencies);
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (project: string, path: string[]) => {
      if (state.get(project) === 'done') return;
      if (state.get(project) === 'open') {
        cycles.push([...path.slice(path.indexOf(project)), project].join(' → '));
        return;
      }
      state.set(project, 'open');
      for (const { target } of dependencies[project] ?? [])
        if (target in dependencies) visit(target, [...path, project]);
      state.set(project, 'done');
    };
    for (const project of projects) visit(project, []);
    expect(cycles).toEqual([]);
  });
});
