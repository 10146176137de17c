import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleTrainerCli } from './testing/cli-bundle.js';

// Every configuration conformance case of shared/reference/databricks-auth.md (the table the library runs too,
// libs/databricks/src/testing/auth-conformance.json), through the real `fraudops-train runs list` in its own
// process against the workspace emulator, plus GitHub OIDC federation end to end. A case that resolves lists
// the training job's runs (exit 0); a case that fails exits 2 (a setting) with the SDKs' message.

const ROOT = resolve(__dirname, '../../..');
const EMULATOR = join(ROOT, 'tools/databricks-emulator/dist/main.js');
const BUNDLE_DIR = join(ROOT, 'apps/trainer/test-output', `auth-cli-${process.pid}`);
const CLI = join(BUNDLE_DIR, 'main.mjs');
const TABLE = JSON.parse(readFileSync(join(ROOT, 'libs/databricks/src/testing/auth-conformance.json'), 'utf8')) as {
  cases: Array<{
    id: number;
    title: string;
    env: Record<string, string>;
    file?: string;
    cliHost?: string;
    expect: { code?: string; message?: string[]; notMessage?: string[] };
  }>;
};
const STAGING = 'repo:acme/fraudops:environment:staging';
const TOKEN_A = 'dapi-workspace-a-secret';
const PASSWORD = 'ci-password-secret';

let dir: string;
let emulator: ChildProcess;
let started: { url: string; token: string; githubIdTokenRequestUrl: string };
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
  if (!existsSync(EMULATOR)) throw new Error(`${EMULATOR} is missing: run through Nx (nx test trainer builds it first).`);
  await bundleTrainerCli(ROOT, CLI);
  dir = mkdtempSync(join(tmpdir(), 'trainer-auth-'));
  emulator = spawn(
    process.execPath,
    [
      EMULATOR, '--port', '0', '--no-sql', '--no-seed', '--json', '--tick-ms', '5',
      '--basic-user', `ci-user:${PASSWORD}`,
      '--github-job', `req-staging=${STAGING}`,
      '--github-job', 'req-feature=repo:acme/fraudops:ref:refs/heads/feature',
      '--federation-policy', `sp-app=${STAGING}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  started = JSON.parse(
    await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: emulator.stdout as NodeJS.ReadableStream }).once('line', resolveLine);
      emulator.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    }),
  );
  mkdirSync(join(dir, 'home'));
  const deployed = await train(
    ['deploy-job', '--git-url', 'https://github.com/acme/fraudops.git', '--git-commit', '0123456789abcdef', '--json'],
    { DATABRICKS_HOST: started.url, DATABRICKS_TOKEN: started.token },
    join(dir, 'home'),
  );
  if (deployed.code !== 0) throw new Error(`deploy-job failed: ${deployed.stderr}`);
  jobId = (JSON.parse(deployed.stdout) as { jobId: number }).jobId;

  // `databricks auth token --host <host>` stand-in: an external program the databricks-cli method runs.
  mkdirSync(join(dir, 'stub-bin'));
  mkdirSync(join(dir, 'empty-bin'));
  writeFileSync(
    join(dir, 'stub-bin/databricks'),
    `#!/bin/sh\n[ "$1 $2 $3 $4" = "auth token --host ${started.url}" ] || { echo "unexpected: $*" >&2; exit 2; }\n` +
      `echo '{"access_token":"${started.token}","token_type":"Bearer","expiry":"2999-01-01T00:00:00Z"}'\n`,
  );
  chmodSync(join(dir, 'stub-bin/databricks'), 0o755);
}, 120_000);

afterAll(async () => {
  if (emulator && emulator.exitCode === null) {
    const exited = new Promise((r) => emulator.once('exit', r));
    emulator.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
});

const substitute = (text: string) =>
  text
    .replaceAll('@HOST_A@', 'http://127.0.0.1:9')
    .replaceAll('@TOKEN_A@', TOKEN_A)
    .replaceAll('@HOST@', started.url)
    .replaceAll('@URL@', started.url)
    .replaceAll('@TOKEN@', started.token)
    .replaceAll('@MISSING_FILE@', join(dir, 'missing.cfg'))
    .replaceAll('@STUB_PATH@', join(dir, 'stub-bin'))
    .replaceAll('@EMPTY_PATH@', join(dir, 'empty-bin'));

describe('fraudops-train resolves configuration as the official SDKs', () => {
  it.each(TABLE.cases.map((c) => [`${c.id}: ${c.title}`, c] as const))('%s', async (_, c) => {
    const home = join(dir, `home-${c.id}`);
    mkdirSync(home, { recursive: true });
    if (c.file !== undefined) writeFileSync(join(home, '.databrickscfg'), substitute(c.file));
    const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, substitute(v)]));
    if (c.cliHost !== undefined) env['DATABRICKS_HOST'] = substitute(c.cliHost);
    const r = await train(['runs', 'list', '--json'], env, home);
    for (const secret of [started.token, TOKEN_A, PASSWORD]) expect(r.stdout + r.stderr).not.toContain(secret);
    if (c.expect.code !== undefined) {
      expect(r.code).toBe(2);
      const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(c.expect.code);
      for (const part of c.expect.message ?? []) expect(error.message).toContain(substitute(part));
      for (const part of c.expect.notMessage ?? []) expect(error.message).not.toContain(substitute(part));
      expect(r.stderr).toBe(`error: ${error.message}\n`);
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ jobId, runs: [] });
  });
});

describe('fraudops-train with GitHub OIDC federation', () => {
  const github = (requestToken: string) => ({
    DATABRICKS_HOST: started.url,
    DATABRICKS_AUTH_TYPE: 'github-oidc',
    DATABRICKS_CLIENT_ID: 'sp-app',
    ACTIONS_ID_TOKEN_REQUEST_URL: started.githubIdTokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
  });

  it('lists the runs with a token exchanged for the staging environment', async () => {
    const r = await train(['runs', 'list', '--json'], github('req-staging'), join(dir, 'home'));
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ jobId, runs: [] });
  });

  it('fails naming the subject when the policy does not trust the job (another branch)', async () => {
    const r = await train(['runs', 'list'], github('req-feature'), join(dir, 'home'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('The token subject repo:acme/fraudops:ref:refs/heads/feature does not match the federation policy');
    expect(r.stderr).not.toContain('req-feature');
  });
});
