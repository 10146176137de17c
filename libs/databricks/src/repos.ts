import { ClientErrorCode, DatabricksError, NotFound } from './errors.js';
import type { ApiClient } from './http.js';
import { paginate } from './pagination.js';
import type { WorkspaceService } from './workspace.js';

/** Git providers the Repos API accepts (case as the API spells them). */
export const GIT_PROVIDERS = [
  'gitHub',
  'gitLab',
  'bitbucketCloud',
  'azureDevOpsServices',
  'gitHubEnterprise',
  'bitbucketServer',
  'gitLabEnterpriseEdition',
  'awsCodeCommit',
] as const;
export type GitProvider = (typeof GIT_PROVIDERS)[number];

/** A Git folder (`GET /api/2.0/repos/{id}`). */
export interface RepoInfo {
  id: number;
  path: string;
  url: string;
  provider: string;
  /** Absent when a tag is checked out (detached HEAD). */
  branch?: string;
  head_commit_id?: string;
  sparse_checkout?: { patterns: string[] };
}

export interface CreateRepoRequest {
  url: string;
  provider: GitProvider | string;
  /** Workspace path, e.g. `/Repos/ci/fraudops` or `/Workspace/Users/me@x.com/fraudops`. */
  path: string;
  sparse_checkout?: { patterns: string[] };
}

/** Exactly one of `branch` or `tag`. Same branch = pull the latest commit; a tag gives a detached HEAD. */
export type UpdateRepoRequest = ({ branch: string; tag?: never } | { tag: string; branch?: never }) & {
  /** Throw away uncommitted changes in the folder instead of failing with a conflict. */
  dangerously_force_discard_all?: boolean;
};

/** Guesses the provider from a Git URL's host (`github.com` → `gitHub`); undefined when it cannot tell. */
export function providerForUrl(url: string): GitProvider | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    const scp = /^[^@]+@([^:]+):/.exec(url); // git@github.com:org/repo.git
    if (!scp) return undefined;
    host = scp[1].toLowerCase();
  }
  if (host === 'github.com') return 'gitHub';
  if (host === 'gitlab.com') return 'gitLab';
  if (host === 'bitbucket.org') return 'bitbucketCloud';
  if (host === 'dev.azure.com' || host.endsWith('.visualstudio.com')) return 'azureDevOpsServices';
  if (host.startsWith('git-codecommit.')) return 'awsCodeCommit';
  return undefined;
}

/** The Repos API (Git folders). */
export class ReposService {
  constructor(
    private readonly api: ApiClient,
    private readonly workspace: WorkspaceService,
  ) {}

  get(repoId: number, options: { signal?: AbortSignal } = {}): Promise<RepoInfo> {
    return this.api.json<RepoInfo>({ method: 'GET', path: `/api/2.0/repos/${repoId}`, signal: options.signal });
  }

  /**
   * The Git folder at a workspace path, resolved like the official CLI through `workspace/get-status`
   * (the `path_prefix` listing misses folders with the Git CLI enabled). NotFound when nothing is there;
   * a NotFound with code `NOT_A_GIT_FOLDER` when something else is.
   */
  async getByPath(path: string, options: { signal?: AbortSignal } = {}): Promise<RepoInfo> {
    const status = await this.workspace.getStatus(path, options);
    if (status.object_type !== 'REPO') {
      throw new NotFound('NOT_A_GIT_FOLDER', `${path} is a ${status.object_type.toLowerCase()}, not a Git folder.`);
    }
    return this.get(status.object_id, options);
  }

  /** All Git folders under a path prefix (paginated lazily). */
  list(options: { pathPrefix?: string; signal?: AbortSignal } = {}): AsyncGenerator<RepoInfo> {
    return paginate(async (token) => {
      const page = await this.api.json<{ repos?: RepoInfo[]; next_page_token?: string }>({
        method: 'GET',
        path: '/api/2.0/repos',
        query: { path_prefix: options.pathPrefix, next_page_token: token },
        signal: options.signal,
      });
      return { items: page.repos ?? [], nextPageToken: page.next_page_token };
    });
  }

  /** Clones `url` into a new Git folder at `path` (not retried on connection failures: not idempotent). */
  create(request: CreateRepoRequest, options: { signal?: AbortSignal } = {}): Promise<RepoInfo> {
    return this.api.json<RepoInfo>({ method: 'POST', path: '/api/2.0/repos', json: request, signal: options.signal });
  }

  /** Checks out a branch (pulling it) or a tag. The API answers with an empty body: read the folder after. */
  async update(repoId: number, request: UpdateRepoRequest, options: { signal?: AbortSignal } = {}): Promise<void> {
    const hasBranch = typeof request.branch === 'string' && request.branch !== '';
    const hasTag = typeof request.tag === 'string' && request.tag !== '';
    if (hasBranch === hasTag) {
      throw new DatabricksError(ClientErrorCode.invalidArgument, 'repos.update needs exactly one of branch or tag.');
    }
    await this.api.json({ method: 'PATCH', path: `/api/2.0/repos/${repoId}`, json: request, signal: options.signal });
  }

  async delete(repoId: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json({ method: 'DELETE', path: `/api/2.0/repos/${repoId}`, signal: options.signal });
  }
}
