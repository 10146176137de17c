import type { ApiClient } from './http.js';

export type WorkspaceObjectType = 'NOTEBOOK' | 'DIRECTORY' | 'LIBRARY' | 'FILE' | 'REPO' | 'DASHBOARD';

/** `GET /api/2.0/workspace/get-status` answer. */
export interface ObjectInfo {
  object_type: WorkspaceObjectType;
  object_id: number;
  path: string;
  language?: 'SCALA' | 'PYTHON' | 'SQL' | 'R';
  created_at?: number;
  modified_at?: number;
  size?: number;
  resource_id?: string;
}

/** The Workspace API: what lives at a path, and folders. */
export class WorkspaceService {
  constructor(private readonly api: ApiClient) {}

  /** What is at `path` (a Git folder answers `object_type: "REPO"`); NotFound when nothing is. */
  getStatus(path: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    return this.api.json<ObjectInfo>({
      method: 'GET',
      path: '/api/2.0/workspace/get-status',
      query: { path },
      signal: options.signal,
    });
  }

  /** Creates a folder and its parents; succeeds when it already exists. */
  async mkdirs(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: '/api/2.0/workspace/mkdirs',
      json: { path },
      idempotent: true,
      signal: options.signal,
    });
  }

  /** The objects directly inside a folder. */
  async list(path: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo[]> {
    const answer = await this.api.json<{ objects?: ObjectInfo[] }>({
      method: 'GET',
      path: '/api/2.0/workspace/list',
      query: { path },
      signal: options.signal,
    });
    return answer.objects ?? [];
  }
}
