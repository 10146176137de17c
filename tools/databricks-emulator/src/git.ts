import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { promisify } from 'node:util';
import { ApiError } from './api-error.js';
import { errorMessage } from '@fraudops/core';

const run = promisify(execFile);

/** Git without prompts, pagers or the user's config getting in the way. */
const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'fraudops emulator',
  GIT_AUTHOR_EMAIL: 'emulator@fraudops.local',
  GIT_COMMITTER_NAME: 'fraudops emulator',
  GIT_COMMITTER_EMAIL: 'emulator@fraudops.local',
};

export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    env: { ...process.env, ...GIT_ENV, HOME: process.env['HOME'] ?? '/tmp' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.replace(/\s+$/, '');
}

/** Like {@link git}, but a failure comes back as its stderr instead of throwing. */
export async function tryGit(
  cwd: string,
  args: string[],
): Promise<{ ok: true; out: string } | { ok: false; error: string }> {
  try {
    return { ok: true, out: await git(cwd, args) };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return { ok: false, error: stderr || errorMessage(error) };
  }
}

/**
 * Maps Git URLs to local repositories: the emulator never touches the network. A URL that is itself a local
 * path (or `file://…`) needs no mapping.
 */
export class GitRemotes {
  readonly #map = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [url, path] of Object.entries(initial)) this.add(url, path);
  }

  add(url: string, localRepository: string): void {
    this.#map.set(GitRemotes.key(url), localRepository);
  }

  entries(): Array<[string, string]> {
    return [...this.#map.entries()];
  }

  /** `https://GitHub.com/acme/x.git/` and `https://github.com/acme/x` are the same remote. */
  static key(url: string): string {
    return url
      .trim()
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .replace(
        /^([a-z+]+:\/\/)([^/]+)/i,
        (_, scheme: string, host: string) => `${scheme.toLowerCase()}${host.toLowerCase()}`,
      );
  }

  /** The local repository behind `url`; 400 GIT_REMOTE_ERROR saying how to map it when unknown. */
  resolve(url: string): string {
    const mapped = this.#map.get(GitRemotes.key(url));
    if (mapped) return mapped;
    if (url.startsWith('file://')) return new URL(url).pathname;
    if (isAbsolute(url) && existsSync(url)) return url;
    throw new ApiError(
      400,
      'GIT_REMOTE_ERROR',
      `The emulator cannot reach ${url}: it only uses local repositories. Map the URL to a local (bare) ` +
        'repository with the gitRemotes option or `--git-remote URL=PATH`.',
    );
  }
}
