import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

/** A bare repository standing for a Git provider's remote, with a work tree to push commits from. */
export interface GitRemoteFixture {
  /** The bare repository (what the emulator's gitRemotes map a URL to). */
  bare: string;
  /** Commits `files` on `branch` (created from the current HEAD when new) and pushes; returns the commit id. */
  commit(branch: string, files: Record<string, string>, message?: string): string;
  tag(name: string, branch: string): string;
  head(branch: string): string;
  remove(): void;
}

export function createGitRemote(initial: Record<string, string> = { 'README.md': '# fixture\n' }): GitRemoteFixture {
  const root = mkdtempSync(join(tmpdir(), 'git-remote-'));
  const bare = join(root, 'remote.git');
  const work = join(root, 'work');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(root, 'clone', '--quiet', bare, work);
  const fixture: GitRemoteFixture = {
    bare,
    commit(branch, files, message = `change ${branch}`) {
      const exists = git(work, 'branch', '--list', branch) !== '';
      git(work, 'checkout', '--quiet', ...(exists ? [branch] : ['-B', branch]));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
      }
      git(work, 'add', '--all');
      git(work, 'commit', '--quiet', '-m', message);
      git(work, 'push', '--quiet', 'origin', branch);
      return git(work, 'rev-parse', 'HEAD');
    },
    tag(name, branch) {
      git(work, 'tag', name, branch);
      git(work, 'push', '--quiet', 'origin', name);
      return git(work, 'rev-parse', `${name}^{commit}`);
    },
    head: (branch) => git(bare, 'rev-parse', branch),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  fixture.commit('main', initial, 'initial commit');
  return fixture;
}
