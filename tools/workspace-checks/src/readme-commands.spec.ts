import { readWorkspaceFile } from './workspace.js';

describe("the README's two commands", () => {
  const readme = readWorkspaceFile('README.md');
  const scripts = JSON.parse(readWorkspaceFile('package.json')).scripts as Record<string, string>;

  it('are in the README', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });

  it('.ci/run runs the README path: npm ci, the main job without serving, then the tests', () => {
    const commands = readWorkspaceFile('.ci/run')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^npm /.test(l));
    expect(commands).toEqual(['npm ci', 'npm start -- --no-serve', 'npm test']);
    expect(readWorkspaceFile('.ci/run')).toMatch(/NX_DAEMON=false NX_NO_CLOUD=true/);
  });

  it('npm test checks the system packages first, then the formatting, then runs lint, typecheck and tests through Nx', () => {
    expect(scripts['test']).toMatch(
      /^node tools\/workspace-checks\/bin\/system-packages\.mjs && prettier --check \. && /,
    );
    expect(scripts['test']).toMatch(/nx run-many -t lint typecheck test/);
  });

  it('every script the README names exists', () => {
    for (const name of ['start', 'test', 'train', 'sync', 'serve', 'bench', 'emulator']) {
      expect({ name, defined: typeof scripts[name] }).toEqual({ name, defined: 'string' });
    }
  });

  it('keeps the onnxruntime-node CUDA download off', () => {
    expect(readWorkspaceFile('.npmrc')).toMatch(/^onnxruntime-node-install=skip$/m);
  });
});
