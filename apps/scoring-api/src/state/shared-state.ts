import type { FeatureSpec, OnlineTransaction } from '@fraudops/features';
import type { z } from 'zod';
import type { ScoringConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import { readHistory } from '../warmup.js';
import { RedisStateStore } from './redis-state-store.js';
import { exportRedisSnapshot } from './redis-snapshot.js';
import { warmUpShared, type SharedWarmUpResult } from './redis-warm-up.js';
import { SharedStatePath } from './shared-state-path.js';

/** How long warm-up calls may take (bulk batches), unlike the serving deadline. */
const WARM_UP_DEADLINE_MS = 120_000;
const DAY_SECONDS = 86_400;

export interface SharedState<T> {
  path: SharedStatePath<T>;
  store: RedisStateStore;
  /** Warm-up once for all replicas (see `warmUpShared`). */
  warmUp(): Promise<SharedWarmUpResult>;
  /** Writes the snapshot (when configured) and closes the connection (also when the snapshot fails). */
  close(): Promise<void>;
}

/**
 * The shared online state picked by `STATE_STORE=redis://…` (undefined for `memory`, today's in-process
 * engine): the store, the scoring path over it, and its warm-up.
 */
export async function openSharedState<T>(options: {
  config: ScoringConfig;
  spec: FeatureSpec;
  toOnline(transaction: T): OnlineTransaction;
  transactionSchema: z.ZodType<T>;
  metrics: ServiceMetrics;
  logger: Logger;
}): Promise<SharedState<T> | undefined> {
  const { config, spec, logger } = options;
  if (config.stateStore === 'memory') return undefined;
  const settings = {
    url: config.stateStore,
    spec,
    lateToleranceSeconds: config.lateToleranceSeconds,
    latePolicy: config.latePolicy,
  };
  const store = await RedisStateStore.open({ ...settings, deadlineMs: config.stateDeadlineMs });
  const path = new SharedStatePath<T>({
    store,
    spec,
    toOnline: (t) => options.toOnline(t),
    policy: config.degradedPolicy,
    metrics: options.metrics,
  });
  const history = config.history;
  return {
    path,
    store,
    async warmUp() {
      const bulk = await RedisStateStore.open({ ...settings, deadlineMs: WARM_UP_DEADLINE_MS });
      try {
        return await warmUpShared({
          store: bulk,
          snapshot: config.stateSnapshot,
          history: history
            ? () => historyRows(history, config.historyDays, options.transactionSchema, (t) => options.toOnline(t))
            : undefined,
          logger,
        });
      } finally {
        await bulk.close();
      }
    },
    async close() {
      try {
        if (config.stateSnapshot && store.available) {
          const keys = await exportRedisSnapshot(store, config.stateSnapshot);
          logger.info({ snapshot: config.stateSnapshot, keys }, 'shared online state snapshot written');
        }
      } finally {
        // also when the snapshot failed (Redis gone meanwhile): a client left open reconnects forever
        await store.close();
      }
    },
  };
}

/** The history's last `days` days, in time order (file order among same-second rows), as the store takes them. */
async function historyRows<T>(file: string, days: number, schema: z.ZodType<T>, toOnline: (t: T) => OnlineTransaction) {
  const rows = (await readHistory(file, schema)).map((r) => ({ transaction: toOnline(r.transaction), fraud: r.fraud }));
  let newest = Number.NEGATIVE_INFINITY;
  for (const r of rows) if (r.transaction.txDatetime > newest) newest = r.transaction.txDatetime;
  const from = newest - days * DAY_SECONDS;
  return rows
    .map((row, i) => ({ row, i }))
    .filter(({ row }) => row.transaction.txDatetime > from)
    .sort((a, b) => a.row.transaction.txDatetime - b.row.transaction.txDatetime || a.i - b.i)
    .map(({ row }) => row);
}
