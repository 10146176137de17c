import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { runCli } from './cli/program.js';

// Every configuration conformance case of shared/reference/databricks-auth.md (the table the library runs too,
// libs/databricks/src/testing/auth-conformance.json), through `fraudops-sync status` against the workspace
// emulator (its own process), plus GitHub OIDC federation end to end. A case that resolves must reach the
// workspace and read the Git folder (exit 0); a case that fails must exit 2 (a setting) with the SDKs' message.

const ROOT = resolve(__dirname, '../../..');
const EMULATOR = join(ROOT, 'tools/databricks-emulator/dist/main.js');
const TABLE = JSON.parse(readFileSync(join(ROOT, 'libs/databricks/src/testing/auth-conformance.json'), 'utf8')) as {
  cases: Array<{
    id: number;
    title: string;
    env: Record<string, string>;
    file?: string;
    cliHost?: string;
    expect: { authType?: string; code?: string; message?: string[]; notMessage?: string[] };
  }>;
};
const GIT_URL = 'https://github.com/acme/fraudops.git';
const FOLDER = '/Repos/ci/fraudops';
const STAGING = 'repo:acme/fraudops:environment:staging';
const TOKEN_A = 'dapi-workspace-a-secret';
const PASSWORD = 'ci-password-secret';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let emulator: ChildProcess;
let started: { url: string; token: string; githubIdTokenRequestUrl: string };

async function sync(args: string[], env: NodeJS.ProcessEnv, home: string) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { streams: { stdout, stderr }, env: { HOME: home, ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

beforeAll(async () => {
  if (!existsSync(EMULATOR)) throw new Error(`${EMULATOR} is missing: run through Nx (nx test sync-cli builds it first).`);
  dir = mkdtempSync(join(tmpdir(), 'sync-auth-'));
  const bare = join(dir, 'remote.git');
  const work = join(dir, 'work');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
      stdio: 'ignore',
    });
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(dir, 'clone', '--quiet', bare, work);
  writeFileSync(join(work, 'README.md'), 'auth\n');
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'auth');
  git(work, 'push', '--quiet', 'origin', 'HEAD:main');

  emulator = spawn(
    process.execPath,
    [
      EMULATOR, '--port', '0', '--no-sql', '--no-seed', '--json', '--tick-ms', '5', '--git-remote', `${GIT_URL}=${bare}`,
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
  const created = await sync(
    ['repo', FOLDER, '--branch', 'main', '--create', '--url', GIT_URL],
    { DATABRICKS_HOST: started.url, DATABRICKS_TOKEN: started.token },
    join(dir, 'home'),
  );
  if (created.code !== 0) throw new Error(`could not create ${FOLDER}: ${created.stderr}`);

  // `databricks auth token --host <host>` stand-in: an external program the databricks-cli method runs.
  mkdirSync(join(dir, 'stub-bin'));
  mkdirSync(join(dir, 'empty-bin'));
  writeFileSync(
    join(dir, 'stub-bin/databricks'),
    `#!/bin/sh\n[ "$1 $2 $3 $4" = "auth token --host ${started.url}" ] || { echo "unexpected: $*" >&2; exit 2; }\n` +
      `echo '{"access_token":"${started.token}","token_type":"Bearer","expiry":"2999-01-01T00:00:00Z"}'\n`,
  );
  chmodSync(join(dir, 'stub-bin/databricks'), 0o755);
}, 60_000);

afterAll(async () => {
  if (emulator && emulator.exitCode === null) {
    const exited = new Promise((r) => emulator.once('exit', r));
    emulator.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
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

describe('fraudops-sync resolves configuration as the official SDKs', () => {
  it.each(TABLE.cases.map((c) => [`${c.id}: ${c.title}`, c] as const))('%s', async (_, c) => {
    const home = join(dir, `home-${c.id}`);
    mkdirSync(home, { recursive: true });
    if (c.file !== undefined) writeFileSync(join(home, '.databrickscfg'), substitute(c.file));
    const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, substitute(v)]));
    if (c.cliHost !== undefined) env['DATABRICKS_HOST'] = substitute(c.cliHost);
    const r = await sync(['status', FOLDER, '--json'], env, home);
    for (const secret of [started.token, TOKEN_A, PASSWORD]) expect(r.stdout + r.stderr).not.toContain(secret);
    if (c.expect.code !== undefined) {
      expect(r.code).toBe(2);
      const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(c.expect.code);
      for (const part of c.expect.message ?? []) expect(error.message).toContain(substitute(part));
      for (const part of c.expect.notMessage ?? []) expect(error.message).not.toContain(substitute(part));
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, path: FOLDER, url: GIT_URL, branch: 'main' });
  });
});

describe('fraudops-sync with GitHub OIDC federation', () => {
  const github = (requestToken: string) => ({
    DATABRICKS_HOST: started.url,
    DATABRICKS_AUTH_TYPE: 'github-oidc',
    DATABRICKS_CLIENT_ID: 'sp-app',
    ACTIONS_ID_TOKEN_REQUEST_URL: started.githubIdTokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
  });

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
