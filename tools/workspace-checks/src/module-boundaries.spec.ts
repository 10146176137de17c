import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadDepConstraints, loadProjectGraph, workspaceRoot } from './workspace.js';

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** Lints `code` as if it were a file at `path` in the workspace, with the workspace's real ESLint config. */
function lintAs(path: string, code: string): LintMessage[] {
  const result = spawnSync(
    process.execPath,
    [
      join(workspaceRoot, 'node_modules/eslint/bin/eslint.js'),
      ...['--config', join(__dirname, 'fixtures/eslint.untyped.mjs')],
      ...['--stdin', '--stdin-filename', path, '--format', 'json'],
    ],
    { cwd: workspaceRoot, input: code, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  if (!result.stdout) throw new Error(`eslint printed nothing: ${result.stderr}`);
  const [report] = JSON.parse(result.stdout) as Array<{ messages: LintMessage[] }>;
  return report.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
}

describe('module boundaries (lint fixtures)', () => {
  beforeAll(() => {
    // The boundary rule reads the cached project graph; make sure it exists and is current.
    loadProjectGraph();
  });

  it('fails a lib that imports an app', () => {
    // cli → scoring-api: an app no path leads back from (the scoring API uses no CLI kit), so the message is
    // about the app rather than a cycle
    const messages = lintAs('libs/cli/src/fixture.ts', "import '@fraudops/scoring-api';\nexport {};\n");
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.map((m) => m.message).join('\n')).toContain('Imports of apps are forbidden');
  });

  it('fails features importing onnxruntime-node', () => {
    const messages = lintAs('libs/features/src/fixture.ts', "import 'onnxruntime-node';\nexport {};\n");
    expect(messages.map((m) => m.message).join('\n')).toContain('onnxruntime-node');
  });

  it('fails modeling importing another workspace lib, and evaluation importing DuckDB', () => {
    expect(lintAs('libs/modeling/src/fixture.ts', "import '@fraudops/transactions';\nexport {};\n")).not.toHaveLength(
      0,
    );
    const duck = lintAs('libs/evaluation/src/fixture.ts', "import '@duckdb/node-api';\nexport {};\n");
    expect(duck.map((m) => m.message).join('\n')).toContain('@duckdb/node-api');
  });

  it('fails DuckDB anywhere but the features-sql and transactions-io libs (the spec, the contract and the scoring app included)', () => {
    for (const path of [
      'libs/features/src/fixture.ts',
      'libs/transactions/src/fixture.ts',
      'apps/scoring-api/src/fixture.ts',
    ]) {
      const messages = lintAs(path, "import '@duckdb/node-api';\nexport {};\n");
      expect({ path, messages: messages.map((m) => m.message).join('\n') }).toEqual({
        path,
        messages: expect.stringContaining('@duckdb/node-api'),
      });
    }
  });

  it('fails the SQL driver anywhere but the databricks-sql lib (the REST client included)', () => {
    expect(lintAs('libs/registry/src/fixture.ts', "import '@databricks/sql';\nexport {};\n")).not.toHaveLength(0);
    expect(lintAs('libs/databricks/src/fixture.ts', "import '@databricks/sql';\nexport {};\n")).not.toHaveLength(0);
    expect(lintAs('apps/scoring-api/src/fixture.ts', "import '@databricks/sql';\nexport {};\n")).not.toHaveLength(0);
  });

  it('allows the edges the architecture allows', () => {
    expect(lintAs('libs/features/src/fixture.ts', "import '@fraudops/transactions';\nexport {};\n")).toEqual([]);
    expect(
      lintAs(
        'libs/features-sql/src/fixture.ts',
        "import '@fraudops/features';\nimport '@duckdb/node-api';\nexport {};\n",
      ),
    ).toEqual([]);
    expect(
      lintAs(
        'libs/transactions-io/src/fixture.ts',
        "import '@fraudops/transactions';\nimport '@duckdb/node-api';\nexport {};\n",
      ),
    ).toEqual([]);
    expect(lintAs('libs/registry/src/fixture.ts', "import '@fraudops/databricks';\nexport {};\n")).toEqual([]);
    expect(lintAs('libs/modeling/src/fixture.ts', "import 'onnxruntime-node';\nexport {};\n")).toEqual([]);
    expect(lintAs('libs/evaluation/src/fixture.ts', "import '@fraudops/core';\nexport {};\n")).toEqual([]);
    expect(
      lintAs(
        'libs/databricks-sql/src/fixture.ts',
        "import '@databricks/sql';\nimport '@fraudops/databricks';\nexport {};\n",
      ),
    ).toEqual([]);
  });
});

describe('project graph', () => {
  const graph = loadProjectGraph().graph;
  const constraints = loadDepConstraints();
  const tagsOf = (name: string) => graph.nodes[name]?.data.tags ?? [];

  it('has the architecture projects', () => {
    expect(Object.keys(graph.nodes).sort()).toEqual(
      [
        'bench',
        'cli',
        'core',
        'databricks',
        'databricks-emulator',
        'databricks-sql',
        'evaluation',
        'features',
        'features-sql',
        'modeling',
        'registry',
        'reports',
        'scoring-api',
        'sync-cli',
        'trainer',
        'transactions',
        'transactions-io',
        'workspace-checks',
      ].sort(),
    );
  });

  it('has only edges that every constraint of the source project allows', () => {
    const violations: string[] = [];
    for (const [source, deps] of Object.entries(graph.dependencies)) {
      for (const { target, type } of deps) {
        if (!graph.nodes[target]) continue; // npm packages: checked by the banned-import rules
        if (type === 'implicit') continue; // a process or test edge, not an import: see the next test
        for (const rule of constraints.filter((c) => tagsOf(source).includes(c.sourceTag))) {
          const allowed = rule.onlyDependOnLibsWithTags ?? ['*'];
          if (!allowed.includes('*') && !tagsOf(target).some((t) => allowed.includes(t))) {
            violations.push(`${source} -> ${target} (rule for ${rule.sourceTag})`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('knows the edges no import shows: the processes and test services an app uses', () => {
    const implicit = Object.values(graph.dependencies)
      .flat()
      .filter((edge) => edge.type === 'implicit')
      .map((edge) => `${edge.source} -> ${edge.target}`)
      .sort();
    // trainer's `start` spawns the scoring API's build; both CLIs are tested against the workspace emulator.
    expect(implicit).toEqual(
      expect.arrayContaining([
        'sync-cli -> databricks-emulator',
        'trainer -> databricks-emulator',
        'trainer -> scoring-api',
      ]),
    );
  });

  it('tags every project with its type and exactly one scope', () => {
    for (const [name, node] of Object.entries(graph.nodes)) {
      const tags = node.data.tags ?? [];
      expect({ name, types: tags.filter((t) => t.startsWith('type:')).length }).toEqual({ name, types: 1 });
      expect({ name, scopes: tags.filter((t) => t.startsWith('scope:')).length }).toEqual({ name, scopes: 1 });
    }
  });
});
