import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { EmulatorContext } from './context.js';
import { isWorkspacePath, normaliseWorkspacePath, volumeLocalPath, workspaceLocalPath } from './paths.js';

/** A task that cannot start (its file is missing, its path unusable): the task fails with this message. */
export class TaskSetupError extends Error {}

export interface ResolvedTaskFile {
  /** The file to run. */
  local: string;
  /** The Git folder or Git checkout the file belongs to, whose root goes on `sys.path` (as on Databricks). */
  repoRoot?: string;
}

/**
 * Where a task's file is on this machine:
 * - `source: GIT` (or a job `git_source` with no `source`): relative to the run's checkout of that commit;
 * - `/Workspace/…`, `/Repos/…`, `/Users/…`, `/Shared/…`: the workspace tree (a Git folder's checkout);
 * - `/Volumes/…` or `dbfs:/Volumes/…`: the volume directory;
 * - `file:/…` or any other absolute path: that local file as is — handy for running a script of this
 *   checkout without syncing it first.
 */
export function resolveTaskFile(
  ctx: EmulatorContext,
  path: string,
  source: 'WORKSPACE' | 'GIT' | undefined,
  gitCheckout: string | undefined,
): ResolvedTaskFile {
  const useGit = source === 'GIT' || (source === undefined && gitCheckout !== undefined && !isAbsolute(path));
  let resolved: ResolvedTaskFile;
  if (useGit) {
    if (!gitCheckout) throw new TaskSetupError(`${path}: source is GIT but the run has no git_source.`);
    const local = join(gitCheckout, path.replace(/^\/+/, ''));
    if (relative(gitCheckout, local).startsWith(`..${sep}`))
      throw new TaskSetupError(`${path} leaves the Git checkout.`);
    resolved = { local, repoRoot: gitCheckout };
  } else if (volumeLocalPath(ctx.roots, path)) {
    resolved = { local: volumeLocalPath(ctx.roots, path) as string };
  } else if (isWorkspacePath(path)) {
    const normalised = normaliseWorkspacePath(path);
    const repo = Object.values(ctx.state.data.repos).find((r) => normalised.startsWith(`${r.path}/`));
    resolved = {
      local: workspaceLocalPath(ctx.roots, normalised),
      ...(repo ? { repoRoot: workspaceLocalPath(ctx.roots, repo.path) } : {}),
    };
  } else if (path.startsWith('file:')) {
    resolved = { local: new URL(path).pathname };
  } else if (isAbsolute(path)) {
    resolved = { local: path };
  } else if (path.startsWith('dbfs:')) {
    throw new TaskSetupError(`${path}: DBFS paths are not emulated; put the file in a volume (/Volumes/…) instead.`);
  } else {
    throw new TaskSetupError(`${path}: a relative path needs source GIT and a git_source on the job or run.`);
  }
  if (!existsSync(resolved.local) || !statSync(resolved.local).isFile()) {
    throw new TaskSetupError(`Cannot find the file ${path} (looked at ${resolved.local}).`);
  }
  return resolved;
}
