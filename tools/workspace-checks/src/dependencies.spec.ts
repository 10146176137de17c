import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from './workspace.js';

/*
 * npm dependencies: every package a package.json declares is used, every package the code imports is declared
 * (knip, configured by knip.ts at the root, dependency findings only). An unused dependency is removed, not
 * ignored; knip.ts says why each ignored one stays.
 */
describe('npm dependencies', () => {
  // A deadline, not a timing check: knip reads every project's sources and configuration files.
  it('are all used and all declared (knip)', () => {
    const knip = join(workspaceRoot, 'node_modules/knip/bin/knip.js');
    const result = spawnSync(process.execPath, [knip, '--no-progress', '--reporter', 'compact'], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({
      status: 0,
      output: '',
    });
  }, 300_000);
});
