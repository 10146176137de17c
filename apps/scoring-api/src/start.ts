import { createApp } from './app.js';
import type { ScoringConfig } from './config.js';
import type { Logger } from './logger.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { TransactionSchema } from '@fraudops/transactions';
import { contractAdapter, createRuntime, type Runtime } from './runtime.js';
import { errorMessage } from '@fraudops/core';
import { ScoringService, type ReloadStep } from './scoring-service.js';
import { listen, type RunningServer } from './server.js';
import { openSharedState } from './state/shared-state.js';
import type { SharedWarmUpResult } from './state/redis-warm-up.js';
import { warmUp, type WarmUpResult } from './warmup.js';

export interface ScoringServer {
  url: string;
  port: number;
  service: ScoringService<unknown>;
  metrics: ServiceMetrics;
  /** Resolves when warm-up has finished (the service is ready then). */
  warmedUp: Promise<WarmUpResult | SharedWarmUpResult>;
  /** SIGHUP does this: re-resolve the model URIs and swap after the candidate checks. */
  reload(): Promise<ReloadStep[]>;
  /** Graceful shutdown: stop accepting, finish in-flight requests, snapshot the state. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Collect Node's process metrics (off in tests that start several servers). @defaultValue true */
  defaultMetrics?: boolean;
}

/**
 * Starts the service: loads the champion (and challenger), listens, then warms the online state up in the
 * background — `/healthz` answers at once, `/readyz` once the state is warm.
 */
// eslint-disable-next-line max-lines-per-function -- the service's start-up wiring: metrics, registry, state, model lifecycle and HTTP server share these objects
export async function startScoringServer(config: ScoringConfig, options: StartOptions): Promise<ScoringServer> {
  const { logger } = options;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const runtime: Runtime = await createRuntime(config);
  const shared = await openSharedState({
    config,
    spec: runtime.featureSpec,
    toOnline: (t) => contractAdapter.toOnline(t),
    transactionSchema: TransactionSchema,
    metrics,
    logger,
  });
  const service = new ScoringService<unknown>({
    models: runtime.models,
    features: runtime.features,
    championUri: config.modelUri,
    challengerUri: config.challengerUri,
    chunkRows: config.chunkRows,
    monitoringWindow: config.monitoringWindow,
    answerCacheSize: config.answerCacheSize,
    maxFutureSeconds: config.maxFutureSeconds,
    metrics,
    logger,
    shared: shared?.path,
  });
  await service.loadModels();
  const app = createApp({
    config,
    service,
    transactionSchema: runtime.transactionSchema,
    transactionIdSchema: runtime.transactionIdSchema,
    isPlainTransaction: runtime.isPlainTransaction,
    drift: runtime.drift,
    logger,
    metrics,
  });
  const running: RunningServer = await listen(app, config.port, config.host);

  const warmedUp: Promise<WarmUpResult | SharedWarmUpResult> = shared
    ? shared.warmUp().then((result) => {
        service.markWarm();
        return result;
      })
    : warmUp({
        pipeline: runtime.features,
        transactionSchema: runtime.transactionSchema,
        snapshot: config.stateSnapshot,
        history: config.history,
        historyDays: config.historyDays,
        logger,
      }).then((result) => {
        service.markWarm();
        return result;
      });
  // A failed warm-up leaves the service live but never ready; the log says why.
  warmedUp.catch((error: unknown) =>
    logger.fatal({ reason: errorMessage(error) }, 'warm-up failed; the service will not become ready'),
  );

  let stopping: Promise<void> | undefined;
  return {
    url: running.url,
    port: running.port,
    service,
    metrics,
    warmedUp,
    reload: () => service.reload(),
    shutdown() {
      stopping ??= (async () => {
        service.startDraining();
        const { forced } = await running.close(config.shutdownTimeoutMs);
        if (forced)
          logger.warn({ timeout_ms: config.shutdownTimeoutMs }, 'shutdown timeout: open connections were cut');
        await warmedUp.catch(() => undefined);
        if (shared) {
          try {
            await shared.close();
          } catch (error) {
            logger.error({ reason: errorMessage(error) }, 'closing the shared online state failed');
          }
        } else if (config.stateSnapshot) {
          try {
            await service.saveSnapshot(config.stateSnapshot);
            logger.info(
              { snapshot: config.stateSnapshot, transactions: runtime.features.size },
              'online state snapshot written',
            );
          } catch (error) {
            logger.error(
              { reason: errorMessage(error), snapshot: config.stateSnapshot },
              'writing the state snapshot failed',
            );
          }
        }
        service.close();
      })();
      return stopping;
    },
  };
}
