import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from './workspace.js';

/** The projects `nx affected` would run for a change to these files (as CI computes it, without git). */
function affectedBy(...files: string[]): string[] {
  const out = execFileSync(
    process.execPath,
    [
      join(workspaceRoot, 'node_modules/nx/dist/bin/nx.js'),
      'show',
      'projects',
      '--affected',
      `--files=${files.join(',')}`,
      '--json',
    ],
    {
      cwd: workspaceRoot,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return (JSON.parse(out.toString()) as string[]).sort();
}

describe('nx affected knows every real edge', () => {
  it('a change in the workspace emulator affects the apps tested against it', () => {
    expect(affectedBy('tools/databricks-emulator/src/index.ts')).toEqual(
      expect.arrayContaining(['databricks-emulator', 'sync-cli', 'trainer']),
    );
  });

  it('a change in the scoring API affects the trainer, whose start command spawns it', () => {
    const affected = affectedBy('apps/scoring-api/src/main.ts');
    expect(affected).toEqual(expect.arrayContaining(['scoring-api', 'trainer']));
    expect(affected).not.toContain('sync-cli');
  });
});
