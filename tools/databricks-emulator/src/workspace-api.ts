import { mkdirSync, openSync, readSync, closeSync, readdirSync, statSync, type Stats } from 'node:fs';
import { extname } from 'node:path';
import type { ObjectInfo } from '@fraudops/databricks';
import { ApiError, invalidParameter } from './api-error.js';
import type { EmulatorContext } from './context.js';
import { normaliseWorkspacePath, workspaceLocalPath } from './paths.js';
import { ok, requireString, type Router } from './routing.js';
import type { RepoRecord } from './state.js';

const LANGUAGES: Record<string, ObjectInfo['language']> = {
  '.py': 'PYTHON',
  '.sql': 'SQL',
  '.scala': 'SCALA',
  '.r': 'R',
};
const NOTEBOOK_HEADER = /^(#|--|\/\/) Databricks notebook source/;

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const n = readSync(fd, buffer, 0, 64, 0);
    return buffer.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

export function pathDoesNotExist(path: string): ApiError {
  return new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Path (${path}) doesn't exist.`);
}

/** The Git folder whose root is exactly `path` (normalised), if any. */
export function repoAt(ctx: EmulatorContext, path: string): RepoRecord | undefined {
  return Object.values(ctx.state.data.repos).find((r) => r.path === path);
}

/** What `get-status` says about a workspace path, or undefined when nothing is there. */
export function objectInfo(ctx: EmulatorContext, rawPath: string): ObjectInfo | undefined {
  const path = normaliseWorkspacePath(rawPath);
  const repo = repoAt(ctx, path);
  if (repo) return { object_type: 'REPO', object_id: repo.id, path, resource_id: String(repo.id) };
  if (path.split('/').includes('.git')) return undefined; // a Git folder's internals are not workspace objects
  const local = workspaceLocalPath(ctx.roots, path);
  const stats = statOrUndefined(local);
  if (!stats) return undefined;
  const ids = ctx.state.data.objectIds;
  if (ids[path] === undefined) {
    ids[path] = path === '/' ? 0 : ctx.state.newId();
    ctx.state.changed();
  }
  const object_id = ids[path];
  if (stats.isDirectory()) return { object_type: 'DIRECTORY', object_id, path, resource_id: String(object_id) };
  const language = LANGUAGES[extname(path).toLowerCase()];
  const notebook = language !== undefined && NOTEBOOK_HEADER.test(firstLine(local));
  return {
    object_type: notebook ? 'NOTEBOOK' : 'FILE',
    object_id,
    path,
    ...(notebook ? { language } : {}),
    size: stats.size,
    created_at: Math.round(stats.birthtimeMs),
    modified_at: Math.round(stats.mtimeMs),
    resource_id: String(object_id),
  };
}

/** `workspace/get-status`, `mkdirs` and `list` over the local workspace tree. */
export function registerWorkspaceApi(router: Router, ctx: EmulatorContext): void {
  router.add('GET', '/api/2.0/workspace/get-status', (req) => {
    const path = req.query.get('path');
    if (!path) throw invalidParameter('Missing required field: path');
    const info = objectInfo(ctx, path);
    if (!info) throw pathDoesNotExist(path);
    return ok(info);
  });

  router.add('POST', '/api/2.0/workspace/mkdirs', async (req) => {
    const path = normaliseWorkspacePath(requireString(await req.json(), 'path'));
    let prefix = '';
    for (const segment of path.split('/').filter(Boolean)) {
      prefix = `${prefix}/${segment}`;
      const stats = statOrUndefined(workspaceLocalPath(ctx.roots, prefix));
      if (stats && !stats.isDirectory()) {
        throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Cannot create directory ${path}: ${prefix} is a file.`);
      }
    }
    mkdirSync(workspaceLocalPath(ctx.roots, path), { recursive: true });
    return ok({});
  });

  router.add('GET', '/api/2.0/workspace/list', (req) => {
    const path = req.query.get('path');
    if (!path) throw invalidParameter('Missing required field: path');
    const info = objectInfo(ctx, path);
    if (!info) throw pathDoesNotExist(path);
    if (info.object_type !== 'DIRECTORY' && info.object_type !== 'REPO') return ok({ objects: [info] });
    const base = info.path === '/' ? '' : info.path;
    const objects = readdirSync(workspaceLocalPath(ctx.roots, info.path))
      .filter((name) => name !== '.git')
      .sort()
      .map((name) => objectInfo(ctx, `${base}/${name}`))
      .filter((o): o is ObjectInfo => o !== undefined);
    return ok(objects.length ? { objects } : {});
  });
}
