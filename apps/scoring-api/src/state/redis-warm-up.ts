import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { DAY_US, toEpochUs, type OnlineTransaction } from '@fraudops/features';
import type { Logger } from '../logger.js';
import type { RedisStateStore } from './redis-state-store.js';
import { importRedisSnapshot } from './redis-snapshot.js';

export interface SharedWarmUpOptions {
  store: RedisStateStore;
  /** Restored (instead of the history) when the file exists. */
  snapshot?: string;
  /** Loads the history rows (time-ordered, last HISTORY_DAYS), only on the replica that does the warm-up. */
  history?: () => Promise<Array<{ transaction: OnlineTransaction; fraud?: boolean }>>;
  logger: Logger;
  /** How long the warm-up lock lives without a refresh (a crashed loader frees it after this). @defaultValue 30000 */
  lockMs?: number;
  /** How often a waiting replica looks whether the warm-up is done. @defaultValue 200 */
  pollMs?: number;
  /** Transactions per store call; calls are pipelined on one connection (order kept). @defaultValue 500 */
  batchSize?: number;
}

export interface SharedWarmUpResult {
  /** `loaded` by this replica, `shared` when another one had done (or did) it. */
  source: 'snapshot' | 'history' | 'shared' | 'none';
  transactions: number;
  labels: number;
}

/**
 * Warms the shared state once for all replicas: the first replica to take the lock (`SET NX PX`, refreshed
 * while it works) restores the snapshot or loads the history with pipelined batch calls, then marks the
 * store warm; the others wait for the mark (and report not ready meanwhile). A loader that dies frees the
 * lock when it expires and the next replica starts over: transactions already taken are recognised by id,
 * so nothing is counted twice.
 */
export async function warmUpShared(options: SharedWarmUpOptions): Promise<SharedWarmUpResult> {
  const { store, logger } = options;
  const client = store.client;
  const doneKey = `${store.prefix}warm`;
  const lockKey = `${store.prefix}warm:lock`;
  const lockMs = options.lockMs ?? 30_000;
  const token = randomUUID();
  let waited = false;
  for (;;) {
    if ((await client.get(doneKey)) === 'done') {
      if (waited) logger.info({}, 'shared online state warmed by another replica');
      return { source: 'shared', transactions: 0, labels: 0 };
    }
    if ((await client.set(lockKey, token, 'PX', lockMs, 'NX')) === 'OK') break;
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
  const refresh = setInterval(
    () => void client.pexpire(lockKey, lockMs).catch(() => undefined),
    Math.floor(lockMs / 3),
  );
  try {
    if ((await client.get(doneKey)) === 'done') return { source: 'shared', transactions: 0, labels: 0 };
    let result: SharedWarmUpResult = { source: 'none', transactions: 0, labels: 0 };
    if (options.snapshot && existsSync(options.snapshot)) {
      const keys = await importRedisSnapshot(store, options.snapshot);
      logger.info({ snapshot: options.snapshot, keys }, 'shared online state restored from snapshot');
      result = { source: 'snapshot', transactions: await store.consumed(), labels: 0 };
    } else if (options.history) {
      result = await loadHistory(store, await options.history(), options.batchSize ?? 500);
      logger.info({ replayed: result.transactions, labels: result.labels }, 'shared online state warmed from history');
    }
    await client.set(doneKey, 'done');
    return result;
  } finally {
    clearInterval(refresh);
    // release only our own lock (it may have expired and passed on)
    await client
      .eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        lockKey,
        token,
      )
      .catch(() => undefined);
  }
}

/**
 * Replays rows (time order) in batches, each batch's labels right after it. A batch never spans the
 * smallest label delay, so a label enters exactly the windows a live service would have given it.
 */
async function loadHistory(
  store: RedisStateStore,
  rows: Array<{ transaction: OnlineTransaction; fraud?: boolean }>,
  batchSize: number,
): Promise<SharedWarmUpResult> {
  const spanUs = Math.max(1, store.plan.labelDelayDays ?? 1) * DAY_US;
  const calls: Array<Promise<unknown>> = [];
  let labels = 0;
  for (let start = 0; start < rows.length;) {
    const firstUs = toEpochUs(rows[start].transaction.txDatetime);
    let end = start + 1;
    while (
      end < rows.length &&
      end - start < batchSize &&
      toEpochUs(rows[end].transaction.txDatetime) - firstUs < spanUs
    )
      end++;
    const batch = rows.slice(start, end);
    // not awaited: one connection keeps the order, so the batches go out back to back (pipelined)
    calls.push(store.apply(batch.map((r) => r.transaction)));
    const labelled = batch.filter((r) => r.fraud !== undefined);
    if (labelled.length > 0) {
      calls.push(store.label(labelled.map((r) => ({ key: r.transaction.transactionId, fraud: r.fraud === true }))));
      labels += labelled.length;
    }
    if (calls.length >= 16) await Promise.all(calls.splice(0));
    start = end;
  }
  await Promise.all(calls);
  return { source: 'history', transactions: rows.length, labels };
}
