import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { ScoringError } from '../errors.js';
import type { RedisStateStore } from './redis-state-store.js';

/** First line of a snapshot file: what it holds, so a file of another spec is refused. */
interface SnapshotHeader {
  format: 'fraudops-redis-state';
  version: 1;
  specHash: string;
}

/**
 * Writes every key of the store (its prefix) to `path` as NDJSON: a header, then per key its name, its
 * remaining time to live (ms, 0 for none) and Redis's own serialisation (`DUMP`, base64). Written to a
 * temporary file and renamed, so a reader never sees half a snapshot. Returns the number of keys.
 */
export async function exportRedisSnapshot(store: RedisStateStore, path: string): Promise<number> {
  const client = store.client;
  const temporary = `${path}.partial`;
  const out = createWriteStream(temporary);
  try {
    const header: SnapshotHeader = { format: 'fraudops-redis-state', version: 1, specHash: store.plan.hash };
    out.write(`${JSON.stringify(header)}\n`);
    let written = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${store.prefix}*`, 'COUNT', 1000);
      cursor = next;
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.pttl(key).dumpBuffer(key);
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < keys.length; i++) {
        const failed = replies[2 * i][0] ?? replies[2 * i + 1][0];
        if (failed) throw failed;
        const ttl = Number(replies[2 * i][1]);
        const dump = replies[2 * i + 1][1] as Buffer | null;
        // expired meanwhile, or the warm-up lock (never part of a snapshot)
        if (ttl === -2 || !dump || keys[i].endsWith('warm:lock')) continue;
        if (
          !out.write(
            `${JSON.stringify({ k: keys[i].slice(store.prefix.length), t: ttl > 0 ? ttl : 0, v: dump.toString('base64') })}\n`,
          )
        )
          await once(out, 'drain');
        written++;
      }
    } while (cursor !== '0');
    out.end();
    await once(out, 'finish');
    await rename(temporary, path);
    return written;
  } catch (error) {
    // Redis gone mid-way: no half file left, the previous snapshot (if any) stays
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Restores a snapshot written by {@link exportRedisSnapshot} under this store's prefix (keys replaced). */
export async function importRedisSnapshot(store: RedisStateStore, path: string): Promise<number> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let header: SnapshotHeader | undefined;
  let pipeline = store.client.pipeline();
  let pending = 0;
  let restored = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    if (!header) {
      header = JSON.parse(line) as SnapshotHeader;
      if (header.format !== 'fraudops-redis-state' || header.specHash !== store.plan.hash) {
        throw new ScoringError(
          'STARTUP_FAILED',
          `STATE_SNAPSHOT ${path} is not a Redis state snapshot of this feature spec (${store.plan.spec.name}).`,
        );
      }
      continue;
    }
    const { k, t, v } = JSON.parse(line) as { k: string; t: number; v: string };
    pipeline.restore(`${store.prefix}${k}`, t, Buffer.from(v, 'base64'), 'REPLACE');
    pending++;
    restored++;
    if (pending === 1000) {
      await restoreAll(pipeline);
      pipeline = store.client.pipeline();
      pending = 0;
    }
  }
  if (pending > 0) await restoreAll(pipeline);
  return restored;
}

/** Runs a pipeline of RESTOREs; a key Redis refused fails the import (it is not counted as restored). */
async function restoreAll(pipeline: ReturnType<RedisStateStore['client']['pipeline']>): Promise<void> {
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}
