import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const workspaceRoot = resolve(__dirname, '../../..');

export function readWorkspaceFile(path: string): string {
  return readFileSync(join(workspaceRoot, path), 'utf8');
}

interface GraphNode {
  name: string;
  type: 'app' | 'lib' | 'e2e';
  data: { root: string; tags?: string[]; targets?: Record<string, unknown> };
}

export interface ProjectGraphFile {
  graph: {
    nodes: Record<string, GraphNode>;
    dependencies: Record<string, Array<{ source: string; target: string; type: string }>>;
  };
}

/** The project graph as `nx graph --file` writes it: the same graph CI and lint see. */
export function loadProjectGraph(): ProjectGraphFile {
  const file = join(mkdtempSync(join(tmpdir(), 'fraudops-graph-')), 'graph.json');
  execFileSync(process.execPath, [join(workspaceRoot, 'node_modules/nx/dist/bin/nx.js'), 'graph', `--file=${file}`], {
    cwd: workspaceRoot,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    stdio: 'pipe',
  });
  return JSON.parse(readFileSync(file, 'utf8')) as ProjectGraphFile;
}

export interface DepConstraint {
  sourceTag: string;
  onlyDependOnLibsWithTags?: string[];
  bannedExternalImports?: string[];
}

/** The dependency rules exactly as the ESLint config declares them. */
export function loadDepConstraints(): DepConstraint[] {
  const script = `import(${JSON.stringify(join(workspaceRoot, 'eslint.config.mjs'))}).then((m) => process.stdout.write(JSON.stringify(m.depConstraints)))`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: workspaceRoot });
  return JSON.parse(out.toString()) as DepConstraint[];
}
