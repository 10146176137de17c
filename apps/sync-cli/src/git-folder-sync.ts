import { DatabricksClient, NotFound, type GitProvider, type RepoInfo } from '@fraudops/databricks';
import { CliError, ExitCode } from '@fraudops/cli';

export type GitRef = { branch: string } | { tag: string };

export interface SyncRequest {
  /** Workspace path of the Git folder, e.g. `/Repos/ci/fraudops`. */
  path: string;
  ref: GitRef;
  /** Create the folder from this repository when it does not exist (and check an existing one points at it). */
  create?: { url: string; provider: GitProvider | string };
  /** Repository URL the folder must be a clone of (checked, never changed). */
  expectUrl?: string;
  forceDiscard: boolean;
  dryRun: boolean;
}

export interface FolderState {
  /** Absent when a tag is checked out. */
  branch?: string;
  head_commit_id?: string;
}

export interface SyncResult {
  path: string;
  repo_id?: number;
  url?: string;
  provider?: string;
  target: GitRef;
  created: boolean;
  dry_run: boolean;
  before?: FolderState;
  after?: FolderState;
  changed: boolean;
}

const stateOf = (repo: RepoInfo): FolderState => ({
  ...(repo.branch ? { branch: repo.branch } : {}),
  ...(repo.head_commit_id ? { head_commit_id: repo.head_commit_id } : {}),
});

/** `https://github.com/Acme/x.git/` and `https://github.com/acme/x` name the same repository. */
function sameRepository(a: string, b: string): boolean {
  const norm = (u: string) =>
    u
      .trim()
      .toLowerCase()
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
  return norm(a) === norm(b);
}

function parentOf(path: string): string {
  const cut = path.replace(/\/+$/, '').lastIndexOf('/');
  return cut > 0 ? path.slice(0, cut) : '/';
}

/**
 * Brings a Git folder to a branch or tag: resolves its path, creates it when asked, updates it, and reports
 * the head commit before and after. `step` hears what is happening (for a spinner).
 */
export async function syncGitFolder(
  db: DatabricksClient,
  request: SyncRequest,
  step: (text: string) => void = () => undefined,
): Promise<SyncResult> {
  const { path, ref } = request;
  const base = { path, target: ref, dry_run: request.dryRun };
  step(`Resolving ${path}`);
  let repo: RepoInfo | undefined;
  try {
    repo = await db.repos.getByPath(path);
  } catch (error) {
    if (!(error instanceof NotFound) || error.code === 'NOT_A_GIT_FOLDER') throw error;
  }

  let created = false;
  if (!repo) {
    if (!request.create) {
      const what = 'branch' in ref ? `--branch ${ref.branch}` : `--tag ${ref.tag}`;
      throw new CliError(
        `No Git folder at ${path}. Create it with: fraudops-sync repo ${path} ${what} --create --url <git-url>`,
        ExitCode.notFound,
        'GIT_FOLDER_NOT_FOUND',
      );
    }
    if (request.dryRun) {
      return { ...base, url: request.create.url, provider: request.create.provider, created: false, changed: true };
    }
    step(`Creating ${path} from ${request.create.url}`);
    await db.workspace.mkdirs(parentOf(path));
    repo = await db.repos.create({ url: request.create.url, provider: request.create.provider, path });
    created = true;
  } else {
    const expected = request.create?.url ?? request.expectUrl;
    if (expected && !sameRepository(expected, repo.url)) {
      throw new CliError(
        `The Git folder ${path} is a clone of ${repo.url}, not ${expected}. Use another path, or delete the folder first.`,
        ExitCode.conflict,
        'GIT_FOLDER_URL_MISMATCH',
      );
    }
  }

  const before = stateOf(repo);
  const known = { repo_id: repo.id, url: repo.url, provider: repo.provider, created, before };
  if (request.dryRun) return { ...base, ...known, changed: true };

  step('branch' in ref ? `Updating ${path} to branch ${ref.branch}` : `Checking out tag ${ref.tag} in ${path}`);
  await db.repos.update(repo.id, {
    ...('branch' in ref ? { branch: ref.branch } : { tag: ref.tag }),
    ...(request.forceDiscard ? { dangerously_force_discard_all: true } : {}),
  });
  const after = stateOf(await db.repos.get(repo.id));
  return {
    ...base,
    ...known,
    after,
    changed: created || before.head_commit_id !== after.head_commit_id || before.branch !== after.branch,
  };
}
