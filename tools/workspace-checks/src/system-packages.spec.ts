import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from './workspace.js';

const script = join(workspaceRoot, 'tools/workspace-checks/bin/system-packages.mjs');

function check(env: Record<string, string>) {
  return spawnSync(process.execPath, [script, '--check'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe("npm test's first step: the system packages the reference tests use", () => {
  it('passes on this machine (CI installs them through the same script)', () => {
    const result = check({});
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('stops naming the exact install command when an interpreter lacks the reference packages', () => {
    const result = check({
      FRAUDOPS_PYTHON: join(workspaceRoot, 'no-such-python'),
      FRAUDOPS_CHROMIUM: '/no/such/chromium',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Python module sklearn for');
    expect(result.stderr).toContain('Chromium at /no/such/chromium');
    expect(result.stderr).toMatch(
      /apt-get update && apt-get install -y --no-install-recommends python3-numpy python3-scipy python3-pandas python3-sklearn python3-xgboost python3-onnx python3-yaml chromium/,
    );
    expect(result.stderr).toContain('FRAUDOPS_PYTHON / FRAUDOPS_CHROMIUM');
  });
});
