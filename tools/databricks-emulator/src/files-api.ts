import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DirectoryEntry } from '@fraudops/databricks';
import { ApiError, invalidParameter } from './api-error.js';
import type { EmulatorContext } from './context.js';
import { modelFilePath } from './models-api.js';
import { volumeLocalPath } from './paths.js';
import { ok, type Reply, type RequestContext, type Router } from './routing.js';

const MAX_FILE_BYTES = 5 * 1024 ** 3;
const DEFAULT_PAGE_SIZE = 1000;

const fileNotFound = () => new ApiError(404, 'NOT_FOUND', 'The file being accessed is not found.');
const directoryNotFound = () => new ApiError(404, 'NOT_FOUND', 'The directory being accessed is not found.');

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * `/Volumes/<catalog>/<schema>/<volume>/…` → the local path; files need at least one segment below the volume.
 * `/Models/<catalog>/<schema>/<model>/<version>/…` is a model version's own storage (written while it is pending).
 */
function localOf(
  ctx: EmulatorContext,
  path: string,
  kind: 'file' | 'directory',
  access: 'read' | 'write' = 'read',
): string {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] === 'Models') return modelFilePath(ctx, path, kind, access);
  if (segments[0] !== 'Volumes' || segments.length < (kind === 'file' ? 5 : 4)) {
    throw invalidParameter(
      `${path} is not a ${kind} path in a Unity Catalog volume: use /Volumes/<catalog>/<schema>/<volume>/${kind === 'file' ? '<file>' : '…'}.`,
    );
  }
  return volumeLocalPath(ctx.roots, path) as string;
}

function fileHeaders(stats: Stats): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    'content-length': String(stats.size),
    'last-modified': stats.mtime.toUTCString(),
    'accept-ranges': 'bytes',
  };
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

function getFile(ctx: EmulatorContext, req: RequestContext, headOnly: boolean): Reply {
  const local = localOf(ctx, req.path.slice('/api/2.0/fs/files'.length), 'file');
  const stats = statOrUndefined(local);
  if (!stats?.isFile()) throw fileNotFound();
  const range = parseRange(req.headers.range, stats.size);
  if (range === 'invalid') {
    return {
      status: 416,
      headers: { 'content-range': `bytes */${stats.size}` },
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: 'The requested range is not satisfiable.' },
    };
  }
  if (headOnly) return { status: 200, headers: fileHeaders(stats) };
  if (!range) return { status: 200, headers: fileHeaders(stats), raw: createReadStream(local) };
  return {
    status: 206,
    headers: {
      ...fileHeaders(stats),
      'content-length': String(range.end - range.start + 1),
      'content-range': `bytes ${range.start}-${range.end}/${stats.size}`,
    },
    raw: createReadStream(local, { start: range.start, end: range.end }),
  };
}

/**
 * The Files API over a local directory: every volume path is a real file, so a Python task of a run
 * sees what a client uploaded (and the other way round).
 */
// eslint-disable-next-line max-lines-per-function -- a route table: one handler per Files API endpoint
export function registerFilesApi(router: Router, ctx: EmulatorContext): void {
  router.add('PUT', '/api/2.0/fs/files/*rest', async (req) => {
    const path = req.path.slice('/api/2.0/fs/files'.length);
    const local = localOf(ctx, path, 'file', 'write');
    const overwrite = req.query.get('overwrite') === 'true';
    const existing = statOrUndefined(local);
    if (existing?.isDirectory()) throw new ApiError(409, 'ALREADY_EXISTS', `${path} is a directory.`);
    if (existing && !overwrite) {
      throw new ApiError(
        409,
        'ALREADY_EXISTS',
        'The file being created already exists. Pass overwrite=true to replace it.',
      );
    }
    const length = Number(req.headers['content-length'] ?? '0');
    if (length > MAX_FILE_BYTES)
      throw invalidParameter('Files larger than 5 GiB cannot be uploaded through the Files API.');
    mkdirSync(dirname(local), { recursive: true });
    const temporary = `${local}.upload-${process.pid}-${Date.now()}`;
    try {
      await pipeline(req.request, createWriteStream(temporary));
      renameSync(temporary, local);
    } finally {
      rmSync(temporary, { force: true });
    }
    return { status: 204 };
  });

  router.add('GET', '/api/2.0/fs/files/*rest', (req) => getFile(ctx, req, false));
  router.add('HEAD', '/api/2.0/fs/files/*rest', (req) => getFile(ctx, req, true));

  router.add('DELETE', '/api/2.0/fs/files/*rest', (req) => {
    const local = localOf(ctx, req.path.slice('/api/2.0/fs/files'.length), 'file', 'write');
    if (!statOrUndefined(local)?.isFile()) throw fileNotFound();
    rmSync(local);
    return { status: 204 };
  });

  router.add('PUT', '/api/2.0/fs/directories/*rest', (req) => {
    const path = req.path.slice('/api/2.0/fs/directories'.length);
    const local = localOf(ctx, path, 'directory', 'write');
    if (statOrUndefined(local)?.isFile()) throw new ApiError(409, 'ALREADY_EXISTS', `${path} is a file.`);
    mkdirSync(local, { recursive: true });
    return { status: 204 };
  });

  router.add('HEAD', '/api/2.0/fs/directories/*rest', (req) => {
    const local = localOf(ctx, req.path.slice('/api/2.0/fs/directories'.length), 'directory');
    if (!statOrUndefined(local)?.isDirectory()) return { status: 404 };
    return { status: 200 };
  });

  router.add('GET', '/api/2.0/fs/directories/*rest', (req) => {
    const path = req.path.slice('/api/2.0/fs/directories'.length).replace(/\/+$/, '');
    const local = localOf(ctx, path, 'directory');
    if (!statOrUndefined(local)?.isDirectory()) throw directoryNotFound();
    const pageSize = Number(req.query.get('page_size') ?? DEFAULT_PAGE_SIZE);
    if (!Number.isInteger(pageSize) || pageSize < 1)
      throw invalidParameter(`Invalid page_size: ${req.query.get('page_size')}`);
    const offset = Number(req.query.get('page_token') ?? '0');
    const names = readdirSync(local)
      .filter((n) => !n.includes('.upload-'))
      .sort();
    const entries: DirectoryEntry[] = names.slice(offset, offset + pageSize).map((name) => {
      const stats = statSync(join(local, name));
      return {
        path: `${path}/${name}${stats.isDirectory() ? '/' : ''}`,
        name,
        is_directory: stats.isDirectory(),
        ...(stats.isFile() ? { file_size: stats.size } : {}),
        last_modified: Math.round(stats.mtimeMs),
      };
    });
    const more = offset + pageSize < names.length;
    return ok({ contents: entries, ...(more ? { next_page_token: String(offset + pageSize) } : {}) });
  });

  router.add('DELETE', '/api/2.0/fs/directories/*rest', (req) => {
    const local = localOf(ctx, req.path.slice('/api/2.0/fs/directories'.length), 'directory', 'write');
    if (!existsSync(local) || !statSync(local).isDirectory()) throw directoryNotFound();
    if (readdirSync(local).length > 0) {
      throw new ApiError(
        400,
        'FAILED_PRECONDITION',
        'The directory being deleted is not empty. Delete its contents first.',
      );
    }
    rmdirSync(local);
    return { status: 204 };
  });
}
