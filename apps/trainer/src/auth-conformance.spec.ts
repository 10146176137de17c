import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { authConformanceCases, startConformanceEmulator, type ConformanceEmulator } from '@fraudops/databricks/testing';
import { bundleTrainerCli } from './testing/cli-bundle.js';

// Every configuration conformance case of shared/reference/databricks-auth.md (the table the library runs too,
// libs/databricks/src/testing/auth-conformance.json), through the real `fraudops-train runs list` in its own
// process against the workspace emulator, plus GitHub OIDC federation end to end. A case that resolves lists
// the training job's runs (exit 0); a case that fails exits 2 (a setting) with the SDKs' message.

const ROOT = resolve(__dirname, '../../..');
const BUNDLE_DIR = join(ROOT, 'apps/trainer/test-output', `auth-cli-${process.pid}`);
const CLI = join(BUNDLE_DIR, 'main.mjs');
const CASES = authConformanceCases(ROOT);

let dir: string;
let emulator: ConformanceEmulator;
let jobId: number;

function train(args: string[], env: Record<string, string>, home: string) {
  // Only what the case sets: nothing of the developer's DATABRICKS_* environment leaks in.
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once('close', (code) => done({ code, stdout, stderr })),
  );
}

beforeAll(async () => {
  await bundleTrainerCli(ROOT, CLI);
  dir = mkdtempSync(join(tmpdir(), 'trainer-auth-'));
  emulator = await startConformanceEmulator({ root: ROOT, dir, project: 'trainer' });
  mkdirSync(join(dir, 'home'));
  const deployed = await train(
    ['deploy-job', '--git-url', 'https://github.com/acme/fraudops.git', '--git-commit', '0123456789abcdef', '--json'],
    { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token },
    join(dir, 'home'),
  );
  if (deployed.code !== 0) throw new Error(`deploy-job failed: ${deployed.stderr}`);
  jobId = (JSON.parse(deployed.stdout) as { jobId: number }).jobId;
}, 120_000);

afterAll(async () => {
  if (emulator) await emulator.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
});

describe('fraudops-train resolves configuration as the official SDKs', () => {
  it.each(CASES.map((c) => [`${c.id}: ${c.title}`, c] as const))('%s', async (_, c) => {
    const { home, env } = emulator.prepareCase(c);
    const r = await train(['runs', 'list', '--json'], env, home);
    for (const secret of emulator.secrets) expect(r.stdout + r.stderr).not.toContain(secret);
    if (c.expect.code !== undefined) {
      expect(r.code).toBe(2);
      const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(c.expect.code);
      for (const part of c.expect.message ?? []) expect(error.message).toContain(emulator.substitute(part));
      for (const part of c.expect.notMessage ?? []) expect(error.message).not.toContain(emulator.substitute(part));
      expect(r.stderr).toBe(`error: ${error.message}\n`);
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ jobId, runs: [] });
  });
});

describe('fraudops-train with GitHub OIDC federation', () => {
  const github = (requestToken: string) => emulator.githubOidcEnv(requestToken);

  it('lists the runs with a token exchanged for the staging environment', async () => {
    const r = await train(['runs', 'list', '--json'], github('req-staging'), join(dir, 'home'));
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ jobId, runs: [] });
  });

  it('fails naming the subject when the policy does not trust the job (another branch)', async () => {
    const r = await train(['runs', 'list'], github('req-feature'), join(dir, 'home'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'The token subject repo:acme/fraudops:ref:refs/heads/feature does not match the federation policy',
    );
    expect(r.stderr).not.toContain('req-feature');
  });
});
