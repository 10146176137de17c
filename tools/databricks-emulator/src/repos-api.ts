import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { GIT_PROVIDERS, type RepoInfo } from '@fraudops/databricks';
import { ApiError, alreadyExists, invalidParameter } from './api-error.js';
import type { EmulatorContext } from './context.js';
import { git, tryGit } from './git.js';
import { normaliseWorkspacePath, workspaceLocalPath } from './paths.js';
import { ok, optionalString, requireId, requireString, type Router } from './routing.js';
import type { RepoRecord } from './state.js';
import { objectInfo } from './workspace-api.js';

const PAGE_SIZE = 20;

function repoNotFound(id: number | string): ApiError {
  return new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Repo ${id} does not exist.`);
}

/** Serialises Git work per folder: two updates of one folder never interleave. */
class FolderLocks {
  readonly #tails = new Map<number, Promise<unknown>>();

  run<T>(id: number, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.#tails.set(
      id,
      next.catch(() => undefined),
    );
    return next;
  }
}

export async function repoInfo(ctx: EmulatorContext, record: RepoRecord): Promise<RepoInfo> {
  const local = workspaceLocalPath(ctx.roots, record.path);
  const branch = await tryGit(local, ['symbolic-ref', '--short', '-q', 'HEAD']);
  const head = await tryGit(local, ['rev-parse', 'HEAD']);
  return {
    id: record.id,
    path: record.path,
    url: record.url,
    provider: record.provider,
    ...(branch.ok && branch.out ? { branch: branch.out } : {}),
    ...(head.ok ? { head_commit_id: head.out } : {}),
    ...(record.sparse_checkout ? { sparse_checkout: record.sparse_checkout } : {}),
  };
}

function canonicalProvider(value: string): string {
  const found = GIT_PROVIDERS.find((p) => p.toLowerCase() === value.toLowerCase());
  if (!found) {
    throw invalidParameter(`Invalid Git provider "${value}". Valid providers: ${GIT_PROVIDERS.join(', ')}.`);
  }
  return found;
}

function checkRepoPath(path: string): void {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] === 'Repos' && segments.length !== 3) {
    throw invalidParameter(`A Git folder under /Repos must be at /Repos/<folder>/<name>; got ${path}.`);
  }
  if (!['Repos', 'Users', 'Shared'].includes(segments[0] ?? '') || segments.length < 2) {
    throw invalidParameter(`Git folders live under /Repos, /Users or /Shared; got ${path}.`);
  }
}

/** Files changed, added or deleted in the folder since its HEAD (what makes an update a conflict). */
async function uncommittedChanges(local: string): Promise<string[]> {
  const status = await git(local, ['status', '--porcelain', '--untracked-files=all']);
  return status
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3));
}

async function fetchRemote(local: string, url: string): Promise<void> {
  const fetched = await tryGit(local, ['fetch', '--quiet', '--prune', '--tags', '--force', 'origin']);
  if (!fetched.ok) throw new ApiError(400, 'GIT_REMOTE_ERROR', `Could not fetch from ${url}: ${fetched.error}`);
}

async function remoteBranches(local: string): Promise<string[]> {
  const out = await git(local, ['for-each-ref', '--format=%(refname:lstrip=3)', 'refs/remotes/origin']);
  return out.split('\n').filter((b) => b && b !== 'HEAD');
}

/**
 * The Repos API over real Git: each Git folder is a clone (in the workspace tree) of a local repository
 * that stands for the remote. Updating checks out the branch at the remote's latest commit, or a tag
 * (detached HEAD), and refuses when the folder has uncommitted changes unless told to discard them.
 */
// eslint-disable-next-line max-lines-per-function -- a route table: one handler per Repos API endpoint, sharing the folder locks
export function registerReposApi(router: Router, ctx: EmulatorContext): void {
  const locks = new FolderLocks();
  const repos = () => ctx.state.data.repos;
  const byId = (raw: string): RepoRecord => {
    const id = requireId(raw, 'repo_id');
    const record = repos()[id];
    if (!record) throw repoNotFound(id);
    return record;
  };

  router.add('GET', '/api/2.0/repos/:id', async (req) => ok(await repoInfo(ctx, byId(req.params['id']))));

  router.add('GET', '/api/2.0/repos', async (req) => {
    const prefix = req.query.get('path_prefix');
    const start = Number(req.query.get('next_page_token') ?? '0') || 0;
    const all = Object.values(repos())
      .filter((r) => !prefix || r.path.startsWith(normaliseWorkspacePath(prefix)))
      .sort((a, b) => a.path.localeCompare(b.path));
    const page = all.slice(start, start + PAGE_SIZE);
    const infos = await Promise.all(page.map((r) => repoInfo(ctx, r)));
    return ok({
      repos: infos,
      ...(start + PAGE_SIZE < all.length ? { next_page_token: String(start + PAGE_SIZE) } : {}),
    });
  });

  router.add('POST', '/api/2.0/repos', async (req) => {
    const body = await req.json();
    const url = requireString(body, 'url');
    const provider = canonicalProvider(requireString(body, 'provider'));
    const rawPath = optionalString(body, 'path');
    if (!rawPath)
      throw invalidParameter('Missing required field: path (the emulator needs to know where the Git folder goes).');
    const path = normaliseWorkspacePath(rawPath);
    checkRepoPath(path);
    if (objectInfo(ctx, path)) throw alreadyExists(`Path (${path}) already exists.`);
    const parent = dirname(path);
    if (!objectInfo(ctx, parent)) {
      throw new ApiError(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Parent folder (${parent}) doesn't exist. Create it with workspace/mkdirs first.`,
      );
    }
    const remote = ctx.gitRemotes.resolve(url);
    const local = workspaceLocalPath(ctx.roots, path);
    mkdirSync(dirname(local), { recursive: true });
    const cloned = await tryGit(dirname(local), ['clone', '--quiet', remote, local]);
    if (!cloned.ok) {
      rmSync(local, { recursive: true, force: true });
      throw new ApiError(400, 'GIT_REMOTE_ERROR', `Could not clone ${url}: ${cloned.error}`);
    }
    const sparse = body['sparse_checkout'] as RepoRecord['sparse_checkout'] | undefined;
    const record: RepoRecord = {
      id: ctx.state.newId(),
      path,
      url,
      provider,
      ...(sparse ? { sparse_checkout: sparse } : {}),
    };
    repos()[record.id] = record;
    ctx.state.changed();
    return ok(await repoInfo(ctx, record));
  });

  router.add('PATCH', '/api/2.0/repos/:id', async (req) => {
    const record = byId(req.params['id']);
    const body = await req.json();
    const branch = optionalString(body, 'branch');
    const tag = optionalString(body, 'tag');
    if ((branch ? 1 : 0) + (tag ? 1 : 0) !== 1) {
      throw invalidParameter('Exactly one of branch or tag must be given to update a Git folder.');
    }
    const discard = body['dangerously_force_discard_all'] === true;
    await locks.run(record.id, async () => {
      const local = workspaceLocalPath(ctx.roots, record.path);
      const changes = await uncommittedChanges(local);
      if (changes.length > 0 && !discard) {
        const shown = changes.slice(0, 5).join(', ') + (changes.length > 5 ? ', …' : '');
        throw new ApiError(
          409,
          'GIT_CONFLICT',
          `The Git folder ${record.path} has uncommitted changes (${changes.length} file${changes.length === 1 ? '' : 's'}: ${shown}). ` +
            'Commit or discard them, or update with dangerously_force_discard_all.',
        );
      }
      await fetchRemote(local, record.url);
      if (branch) {
        const known = await remoteBranches(local);
        if (!known.includes(branch)) {
          throw new ApiError(
            400,
            'GIT_UNKNOWN_REF',
            `Branch ${branch} does not exist in ${record.url} (branches: ${known.join(', ') || 'none'}).`,
          );
        }
        await git(local, ['checkout', '--quiet', '--force', '-B', branch, `refs/remotes/origin/${branch}`]);
      } else {
        const found = await tryGit(local, ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`]);
        if (!found.ok) throw new ApiError(400, 'GIT_UNKNOWN_REF', `Tag ${tag} does not exist in ${record.url}.`);
        await git(local, ['checkout', '--quiet', '--force', '--detach', `refs/tags/${tag}`]);
      }
      if (discard) await git(local, ['clean', '-fdq']);
    });
    ctx.state.changed();
    return { status: 200, json: {} };
  });

  router.add('DELETE', '/api/2.0/repos/:id', (req) => {
    const record = byId(req.params['id']);
    rmSync(workspaceLocalPath(ctx.roots, record.path), { recursive: true, force: true });
    delete repos()[record.id];
    ctx.state.changed();
    return ok({});
  });
}

/** Creates a Git folder directly (startup seeding): like POST /api/2.0/repos, parents included. */
export async function seedRepo(
  ctx: EmulatorContext,
  path: string,
  url: string,
  provider = 'gitHub',
): Promise<RepoRecord> {
  const normalised = normaliseWorkspacePath(path);
  const existing = Object.values(ctx.state.data.repos).find((r) => r.path === normalised);
  const local = workspaceLocalPath(ctx.roots, normalised);
  if (existing && existsSync(local) && statSync(local).isDirectory()) return existing;
  if (objectInfo(ctx, normalised)) throw alreadyExists(`Path (${normalised}) already exists and is not a Git folder.`);
  mkdirSync(dirname(local), { recursive: true });
  await git(dirname(local), ['clone', '--quiet', ctx.gitRemotes.resolve(url), local]);
  const record: RepoRecord = { id: ctx.state.newId(), path: normalised, url, provider: canonicalProvider(provider) };
  ctx.state.data.repos[record.id] = record;
  ctx.state.changed();
  return record;
}
