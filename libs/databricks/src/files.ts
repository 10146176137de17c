import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ClientErrorCode, DatabricksError } from './errors.js';
import { encodePath, type ApiClient, type BodySource } from './http.js';
import { paginate } from './pagination.js';

export interface FileMetadata {
  contentLength?: number;
  contentType?: string;
  lastModified?: string;
}

export interface DirectoryEntry {
  path: string;
  name: string;
  is_directory: boolean;
  file_size?: number;
  last_modified?: number;
}

export interface Download extends FileMetadata {
  /** The file's bytes; consume it (or destroy it) to free the connection. */
  body: Readable;
  /** 206 when a range was asked for and served. */
  status: number;
}

function checkVolumePath(path: string): void {
  if (!path.startsWith('/')) {
    throw new DatabricksError(
      ClientErrorCode.invalidArgument,
      `Files API paths are absolute (/Volumes/<catalog>/<schema>/<volume>/…); got "${path}".`,
    );
  }
}

function metadataOf(headers: Headers): FileMetadata {
  const length = headers.get('content-length');
  return {
    ...(length !== null ? { contentLength: Number(length) } : {}),
    ...(headers.get('content-type') ? { contentType: headers.get('content-type') as string } : {}),
    ...(headers.get('last-modified') ? { lastModified: headers.get('last-modified') as string } : {}),
  };
}

/** The Files API over Unity Catalog volumes: streamed upload and download, and directories. */
export class FilesService {
  constructor(private readonly api: ApiClient) {}

  /**
   * Uploads a file (≤ 5 GiB). Bytes, text or a stream factory are retried like any request; a one-shot
   * stream is sent once. Parent directories are created by the service.
   */
  async upload(
    path: string,
    contents: BodySource,
    options: { overwrite?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    checkVolumePath(path);
    await this.api.json({
      method: 'PUT',
      path: `/api/2.0/fs/files${encodePath(path)}`,
      query: { overwrite: options.overwrite ?? false },
      body: contents,
      contentType: 'application/octet-stream',
      signal: options.signal,
    });
  }

  /** Uploads a local file, streaming it (re-opened on a retry). */
  uploadFromFile(
    localPath: string,
    path: string,
    options: { overwrite?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    return this.upload(path, () => createReadStream(localPath), options);
  }

  /** Opens a file for reading; `range` asks for bytes `[start, end]` (inclusive, like HTTP). */
  async download(
    path: string,
    options: { range?: { start: number; end?: number }; signal?: AbortSignal } = {},
  ): Promise<Download> {
    checkVolumePath(path);
    const range = options.range;
    const response = await this.api.stream({
      method: 'GET',
      path: `/api/2.0/fs/files${encodePath(path)}`,
      headers: range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {},
      signal: options.signal,
    });
    return { ...metadataOf(response.headers), body: response.body, status: response.status };
  }

  /** Downloads a file to a local path, streaming. */
  async downloadToFile(path: string, localPath: string, options: { signal?: AbortSignal } = {}): Promise<FileMetadata> {
    const { body, ...metadata } = await this.download(path, options);
    await pipeline(body, createWriteStream(localPath));
    const { status: _status, ...rest } = metadata;
    return rest;
  }

  /** Size, type and modification time of a file; NotFound when it does not exist. */
  async getMetadata(path: string, options: { signal?: AbortSignal } = {}): Promise<FileMetadata> {
    checkVolumePath(path);
    const { headers } = await this.api.head({
      method: 'HEAD',
      path: `/api/2.0/fs/files${encodePath(path)}`,
      signal: options.signal,
    });
    return metadataOf(headers);
  }

  async delete(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkVolumePath(path);
    await this.api.json({ method: 'DELETE', path: `/api/2.0/fs/files${encodePath(path)}`, signal: options.signal });
  }

  /** Creates a directory and its parents (no error when it exists). */
  async createDirectory(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkVolumePath(path);
    await this.api.json({ method: 'PUT', path: `/api/2.0/fs/directories${encodePath(path)}`, signal: options.signal });
  }

  /** The entries directly inside a directory (paginated lazily). */
  listDirectory(
    path: string,
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<DirectoryEntry> {
    checkVolumePath(path);
    return paginate(async (token) => {
      const page = await this.api.json<{ contents?: DirectoryEntry[]; next_page_token?: string }>({
        method: 'GET',
        path: `/api/2.0/fs/directories${encodePath(path)}`,
        query: { page_size: options.pageSize, page_token: token },
        signal: options.signal,
      });
      return { items: page.contents ?? [], nextPageToken: page.next_page_token };
    });
  }

  /** True when the directory exists. */
  async directoryExists(path: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    checkVolumePath(path);
    try {
      await this.api.head({
        method: 'HEAD',
        path: `/api/2.0/fs/directories${encodePath(path)}`,
        signal: options.signal,
      });
      return true;
    } catch (error) {
      if (error instanceof DatabricksError && error.status === 404) return false;
      throw error;
    }
  }

  /** Deletes an empty directory. */
  async deleteDirectory(path: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkVolumePath(path);
    await this.api.json({
      method: 'DELETE',
      path: `/api/2.0/fs/directories${encodePath(path)}`,
      signal: options.signal,
    });
  }
}
