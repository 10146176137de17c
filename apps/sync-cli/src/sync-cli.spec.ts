import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { runCli } from './cli/program.js';

// End to end: the real CLI code in-process, against the workspace emulator running as its own process
// (built by `nx test sync-cli`'s dependency on databricks-emulator:build), with a bare Git repository as
// the provider's remote.

const EMULATOR = resolve(__dirname, '../../../tools/databricks-emulator/dist/main.js');
const URL_ = 'https://github.com/acme/fraudops.git';
const FOLDER = '/Repos/ci/fraudops';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();

interface Started {
  url: string;
  token: string;
  workspaceRoot: string;
}

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('fraudops-sync against the workspace emulator', () => {
  let dir: string;
  let work: string;
  let emulator: ChildProcess;
  let started: Started;

  const commit = (branch: string, file: string, text: string): string => {
    git(work, 'checkout', '--quiet', '-B', branch);
    writeFileSync(join(work, file), text);
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '-m', `${branch}: ${file}`);
    git(work, 'push', '--quiet', '--force', 'origin', branch);
    return git(work, 'rev-parse', 'HEAD');
  };

  async function sync(
    args: string[],
    env: NodeJS.ProcessEnv = { DATABRICKS_HOST: started.url, DATABRICKS_TOKEN: started.token },
  ) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(args, { streams: { stdout, stderr }, env: { HOME: join(dir, 'home'), ...env } });
    return {
      code,
      stdout: stdout.text,
      stderr: stderr.text,
      json: () => JSON.parse(stdout.text) as Record<string, unknown>,
    };
  }

  beforeAll(async () => {
    if (!existsSync(EMULATOR))
      throw new Error(`${EMULATOR} is missing: run through Nx (nx test sync-cli builds the emulator first).`);
    dir = mkdtempSync(join(tmpdir(), 'sync-cli-'));
    mkdirSync(join(dir, 'home'));
    const bare = join(dir, 'remote.git');
    work = join(dir, 'work');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(dir, 'clone', '--quiet', bare, work);
    commit('main', 'README.md', 'v1\n');
    commit('staging', 'STAGING.md', 'staging\n');
    git(work, 'checkout', '--quiet', 'main');

    emulator = spawn(
      process.execPath,
      [EMULATOR, '--port', '0', '--no-sql', '--no-seed', '--json', '--tick-ms', '5', '--git-remote', `${URL_}=${bare}`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const firstLine = await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: emulator.stdout as NodeJS.ReadableStream }).once('line', resolveLine);
      emulator.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    });
    started = JSON.parse(firstLine) as Started;
  });

  afterAll(async () => {
    if (emulator && emulator.exitCode === null) {
      const exited = new Promise((r) => emulator.once('exit', r));
      emulator.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 4 and says how to create a folder that does not exist', async () => {
    const r = await sync(['repo', FOLDER, '--branch', 'main']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      `error: No Git folder at ${FOLDER}. Create it with: fraudops-sync repo ${FOLDER} --branch main --create --url <git-url>\n`,
    );
  });

  it('creates the folder with --create (provider guessed from the URL), then finds nothing to do', async () => {
    const dry = await sync(['repo', FOLDER, '--branch', 'main', '--create', '--url', URL_, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(dry.json()).toMatchObject({ ok: true, dry_run: true, created: false, changed: true });

    const created = await sync(['repo', FOLDER, '--branch', 'main', '--create', '--url', URL_, '--json']);
    expect(created.code).toBe(0);
    const head = git(work, 'rev-parse', 'main');
    expect(created.json()).toMatchObject({
      ok: true,
      path: FOLDER,
      url: URL_,
      provider: 'gitHub',
      created: true,
      target: { branch: 'main' },
      after: { branch: 'main', head_commit_id: head },
      changed: true,
    });
    const again = await sync(['repo', FOLDER, '--branch', 'main', '--create', '--url', URL_]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `Git folder ${FOLDER} (${URL_})\n  before: main @ ${head.slice(0, 12)}\n  after:  main @ ${head.slice(0, 12)}\nalready at the latest commit of branch main\n`,
    );
  });

  it('updates to the latest commit of a branch, switches branch and pins a tag', async () => {
    const before = git(work, 'rev-parse', 'main');
    const newer = commit('main', 'README.md', 'v2\n');
    const updated = await sync(['repo', FOLDER, '--branch', 'main', '--json']);
    expect(updated.json()).toMatchObject({
      before: { branch: 'main', head_commit_id: before },
      after: { branch: 'main', head_commit_id: newer },
      changed: true,
    });

    const staging = await sync(['repo', FOLDER, '--branch', 'staging', '--json']);
    expect(staging.json()).toMatchObject({
      after: { branch: 'staging', head_commit_id: git(work, 'rev-parse', 'staging') },
    });

    git(work, 'tag', 'v1.0.0', before);
    git(work, 'push', '--quiet', 'origin', 'v1.0.0');
    const tagged = await sync(['repo', FOLDER, '--tag', 'v1.0.0']);
    expect(tagged.code).toBe(0);
    expect(tagged.stdout).toContain(`  after:  (detached) @ ${before.slice(0, 12)}\n`);

    const status = await sync(['status', FOLDER, '--json']);
    expect(status.json()).toMatchObject({ ok: true, path: FOLDER, branch: null, head_commit_id: before });
  });

  it('exits 4 for a branch the remote does not have, saying what to do', async () => {
    const r = await sync(['repo', FOLDER, '--branch', 'feature/nope', '--json']);
    expect(r.code).toBe(4);
    expect(r.json()).toEqual({
      ok: false,
      error: {
        code: 'GIT_UNKNOWN_REF',
        message: `Branch feature/nope does not exist in ${URL_} (branches: main, staging). Push the branch or tag first, or check its name.`,
        exit_code: 4,
        request_id: expect.any(String),
      },
    });
  });

  it('exits 5 for a folder with uncommitted changes, and discards them with --force-discard', async () => {
    writeFileSync(join(started.workspaceRoot, 'Repos/ci/fraudops/notes.py'), 'edited in the workspace\n');
    const refused = await sync(['repo', FOLDER, '--branch', 'main']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(
      /^error: The Git folder \/Repos\/ci\/fraudops has uncommitted changes \(1 file: notes\.py\)\./,
    );
    expect(refused.stderr).toContain('rerun with --force-discard');

    const forced = await sync(['repo', FOLDER, '--branch', 'main', '--force-discard', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.json()).toMatchObject({ after: { branch: 'main', head_commit_id: git(work, 'rev-parse', 'main') } });
    expect(existsSync(join(started.workspaceRoot, 'Repos/ci/fraudops/notes.py'))).toBe(false);
  });

  it('exits 5 when the folder is a clone of another repository', async () => {
    const r = await sync(['repo', FOLDER, '--branch', 'main', '--url', 'https://github.com/acme/other.git']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`is a clone of ${URL_}, not https://github.com/acme/other.git`);
  });

  it('exits 3 for a bad token and 2 for a missing host, naming what to set', async () => {
    const bad = await sync(['repo', FOLDER, '--branch', 'main'], {
      DATABRICKS_HOST: started.url,
      DATABRICKS_TOKEN: 'dapi-wrong',
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /^error: The workspace refused the request \(403: Invalid access token\.\)\. Check DATABRICKS_TOKEN/,
    );
    expect(bad.stderr).not.toContain('dapi-wrong');

    const noHost = await sync(['repo', FOLDER, '--branch', 'main'], { DATABRICKS_TOKEN: started.token });
    expect(noHost.code).toBe(2);
    expect(noHost.stderr).toMatch(/^error: default auth: cannot configure default credentials: the host is missing/);

    const noProfile = await sync(['status', FOLDER, '--profile', 'prod'], {});
    expect(noProfile.code).toBe(2);
    expect(noProfile.stderr).toContain('profile prod was named, but ~/.databrickscfg does not exist');
  });

  it('exits 2 for usage errors, naming the flag', async () => {
    expect((await sync(['repo', FOLDER])).stderr).toBe(
      'error: Say what to check out: --branch <name> or --tag <name>.\n',
    );
    expect((await sync(['repo', FOLDER, '--branch', 'a', '--tag', 'b'])).code).toBe(2);
    expect((await sync(['repo', FOLDER, '--branch', 'a', '--create'])).stderr).toContain('--create needs --url');
    const provider = await sync([
      'repo',
      FOLDER,
      '--branch',
      'a',
      '--create',
      '--url',
      'https://git.acme.internal/x.git',
    ]);
    expect([provider.code, provider.stderr]).toEqual([2, expect.stringContaining('pass --provider')]);
    expect((await sync(['repo', 'Repos/ci', '--branch', 'a'])).code).toBe(2);
    const unknown = await sync(['repo', FOLDER, '--brnach', 'a']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining("unknown option '--brnach'")]);
  });

  it('exits 4 for status of a path that is not a Git folder, and teaches with --help', async () => {
    const status = await sync(['status', '/Repos/ci']);
    expect([status.code, status.stderr]).toEqual([4, 'error: /Repos/ci is a directory, not a Git folder.\n']);
    const help = await sync(['repo', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('$ fraudops-sync repo /Repos/ci/fraudops --branch main --create --url');
    expect(help.stdout).toContain(
      'Exit codes: 0 ok, 2 usage or configuration (no host, no credentials), 3 auth refused, 4 not found',
    );
  });
});
