import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { authConformanceCases, startConformanceEmulator, type ConformanceEmulator } from '@fraudops/databricks/testing';
import { runCli } from './cli/program.js';

// Every configuration conformance case of shared/reference/databricks-auth.md (the table the library runs too,
// libs/databricks/src/testing/auth-conformance.json), through `fraudops-sync status` against the workspace
// emulator (its own process), plus GitHub OIDC federation end to end. A case that resolves must reach the
// workspace and read the Git folder (exit 0); a case that fails must exit 2 (a setting) with the SDKs' message.

const ROOT = resolve(__dirname, '../../..');
const CASES = authConformanceCases(ROOT);
const GIT_URL = 'https://github.com/acme/fraudops.git';
const FOLDER = '/Repos/ci/fraudops';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let emulator: ConformanceEmulator;

async function sync(args: string[], env: NodeJS.ProcessEnv, home: string) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { streams: { stdout, stderr }, env: { HOME: home, ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-auth-'));
  const bare = join(dir, 'remote.git');
  const work = join(dir, 'work');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@x',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@x',
      },
      stdio: 'ignore',
    });
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(dir, 'clone', '--quiet', bare, work);
  writeFileSync(join(work, 'README.md'), 'auth\n');
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'auth');
  git(work, 'push', '--quiet', 'origin', 'HEAD:main');

  emulator = await startConformanceEmulator({
    root: ROOT,
    dir,
    project: 'sync-cli',
    extraArgs: ['--git-remote', `${GIT_URL}=${bare}`],
  });
  mkdirSync(join(dir, 'home'));
  const created = await sync(
    ['repo', FOLDER, '--branch', 'main', '--create', '--url', GIT_URL],
    { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token },
    join(dir, 'home'),
  );
  if (created.code !== 0) throw new Error(`could not create ${FOLDER}: ${created.stderr}`);
}, 60_000);

afterAll(async () => {
  if (emulator) await emulator.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fraudops-sync resolves configuration as the official SDKs', () => {
  it.each(CASES.map((c) => [`${c.id}: ${c.title}`, c] as const))('%s', async (_, c) => {
    const { home, env } = emulator.prepareCase(c);
    const r = await sync(['status', FOLDER, '--json'], env, home);
    for (const secret of emulator.secrets) expect(r.stdout + r.stderr).not.toContain(secret);
    if (c.expect.code !== undefined) {
      expect(r.code).toBe(2);
      const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(c.expect.code);
      for (const part of c.expect.message ?? []) expect(error.message).toContain(emulator.substitute(part));
      for (const part of c.expect.notMessage ?? []) expect(error.message).not.toContain(emulator.substitute(part));
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, path: FOLDER, url: GIT_URL, branch: 'main' });
  });
});

describe('fraudops-sync with GitHub OIDC federation', () => {
  const github = (requestToken: string) => emulator.githubOidcEnv(requestToken);

  it('reads the Git folder with a token exchanged for the staging environment', async () => {
    const r = await sync(['status', FOLDER, '--json'], github('req-staging'), join(dir, 'home'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, path: FOLDER });
  });

  it('exits 3 naming the subject when the policy does not trust the job (another branch)', async () => {
    const r = await sync(['status', FOLDER, '--json'], github('req-feature'), join(dir, 'home'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'The token subject repo:acme/fraudops:ref:refs/heads/feature does not match the federation policy',
    );
    expect(r.stdout + r.stderr).not.toContain('req-feature');
  });

  it('exits 2 saying what is missing outside a job with id-token: write', async () => {
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _u, ACTIONS_ID_TOKEN_REQUEST_TOKEN: _t, ...rest } = github('x');
    const r = await sync(['status', FOLDER], rest, join(dir, 'home'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'github-oidc auth: not configured: missing ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    );
  });
});
