import { isAbsolute, join } from 'node:path';
import { invalidParameter } from './api-error.js';

/**
 * Where workspace and volume paths live on this machine. The workspace tree (folders, Git folders and
 * their files) is a real directory, and so is every Unity Catalog volume, so a Python task reads and
 * writes the same files the REST API serves.
 */
export interface LocalRoots {
  /** `/Repos/ci/fraudops` ↔ `<workspaceRoot>/Repos/ci/fraudops`. */
  workspaceRoot: string;
  /** `/Volumes/main/fraud/data/x.csv` ↔ `<volumesRoot>/main/fraud/data/x.csv`. */
  volumesRoot: string;
}

/** Top-level folders of a workspace; `/Workspace/<top>/…` is the same object as `/<top>/…`. */
export const WORKSPACE_TOP_LEVEL = ['Repos', 'Users', 'Shared'] as const;

function segmentsOf(path: string, what: string): string[] {
  if (!path.startsWith('/')) throw invalidParameter(`${what} must be absolute: "${path}".`);
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..'))
    throw invalidParameter(`${what} may not contain "." or "..": "${path}".`);
  return segments;
}

/** `/Workspace/Repos/a/` → `/Repos/a`; validates the path. */
export function normaliseWorkspacePath(path: string): string {
  const segments = segmentsOf(path, 'Path');
  if (segments[0] === 'Workspace') segments.shift();
  return `/${segments.join('/')}`;
}

export function isWorkspacePath(path: string): boolean {
  const first = path.split('/')[1];
  return first === 'Workspace' || (WORKSPACE_TOP_LEVEL as readonly string[]).includes(first ?? '');
}

export function workspaceLocalPath(roots: LocalRoots, path: string): string {
  return join(roots.workspaceRoot, normaliseWorkspacePath(path));
}

/** `/Volumes/c/s/v/…` (or `dbfs:/Volumes/…`) → the local file; undefined when the path is not a volume path. */
export function volumeLocalPath(roots: LocalRoots, path: string): string | undefined {
  const stripped = path.startsWith('dbfs:/Volumes/') ? path.slice('dbfs:'.length) : path;
  if (!stripped.startsWith('/Volumes/')) return undefined;
  const segments = segmentsOf(stripped, 'Volume path');
  return join(roots.volumesRoot, ...segments.slice(1));
}

/** The local file behind a workspace, volume or local path (what `emulator.localPath` answers). */
export function localPathOf(roots: LocalRoots, path: string): string {
  const volume = volumeLocalPath(roots, path);
  if (volume) return volume;
  if (isWorkspacePath(path)) return workspaceLocalPath(roots, path);
  if (path.startsWith('file:')) return new URL(path).pathname;
  if (isAbsolute(path)) return path;
  throw invalidParameter(
    `Cannot map "${path}" to a local file: use a workspace path, a /Volumes path or an absolute local path.`,
  );
}

/**
 * What a task sees instead of the `/Volumes` FUSE mount a cluster has: arguments that are volume paths
 * (`/Volumes/…`, or `--flag=/Volumes/…`) are rewritten to the local directory behind them.
 */
export function translateVolumeArgument(roots: LocalRoots, argument: string): string {
  const direct = volumeLocalPath(roots, argument);
  if (direct) return direct;
  const eq = argument.indexOf('=');
  if (eq > 0) {
    const value = volumeLocalPath(roots, argument.slice(eq + 1));
    if (value) return `${argument.slice(0, eq + 1)}${value}`;
  }
  return argument;
}
