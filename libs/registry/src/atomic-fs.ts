import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { RegistryError, RegistryErrorCode } from './errors.js';

/** A Node file-system error code (`ENOENT`, `EEXIST`, …), or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** A name no other process or call will pick: pid plus random bytes. */
export function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Writes `data` to `path` and flushes it to disk; `flag: 'wx'` refuses to overwrite. */
export async function writeDurably(path: string, data: Uint8Array | string, flag: 'w' | 'wx' = 'w'): Promise<void> {
  const handle = await open(path, flag, 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory entry (a rename or a new file) to disk. Best effort: not every platform allows it. */
export async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open directories; the rename is still atomic, only its durability is weaker.
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces `path` atomically: readers see the old content or the new, never a mix. The data goes to a
 * temporary file in the same directory, is flushed, and is renamed over the target.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${uniqueSuffix()}.tmp`;
  try {
    await writeDurably(temporary, data, 'wx');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

export interface LockOptions {
  /** Give up after waiting this long for another holder. @defaultValue 10_000 */
  timeoutMs?: number;
  /**
   * A lock file older than this is treated as left behind by a crashed process and broken. Critical sections
   * here take milliseconds, so the default is generous. @defaultValue 30_000
   */
  staleMs?: number;
}

/**
 * Removes a lock left by a crashed holder. It is moved aside first and checked: if another waiter broke the
 * same stale lock and took a fresh one in between, the fresh one is put back (link never overwrites).
 */
async function breakStaleLock(lockPath: string, staleInode: number): Promise<void> {
  const aside = `${lockPath}.${uniqueSuffix()}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else moved it already
  }
  const moved = await stat(aside).catch(() => undefined);
  if (moved && moved.ino !== staleInode) await link(aside, lockPath).catch(() => undefined);
  await rm(aside, { force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `critical` while holding an exclusive lock file at `lockPath` (created with O_EXCL, so only one
 * process on any host sharing the directory can hold it). Waits with jittered back-off; throws `CONFLICT`
 * after `timeoutMs`.
 */
export async function withLockFile<T>(
  lockPath: string,
  critical: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const owner = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() });
  for (let attempt = 1; ; attempt++) {
    try {
      await writeDurably(lockPath, owner, 'wx');
      break;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
    const seen = await stat(lockPath).catch(() => undefined);
    if (seen && Date.now() - seen.mtimeMs > staleMs) {
      await breakStaleLock(lockPath, seen.ino);
      continue;
    }
    if (Date.now() >= deadline) {
      const holder = await readFile(lockPath, 'utf8').catch(() => 'unknown');
      throw new RegistryError(
        RegistryErrorCode.conflict,
        `could not lock ${lockPath} within ${timeoutMs} ms: held by ${holder} (delete the file if that process is gone)`,
        { path: lockPath },
      );
    }
    await sleep(Math.min(5 * attempt, 50) + Math.random() * 10);
  }
  try {
    return await critical();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
