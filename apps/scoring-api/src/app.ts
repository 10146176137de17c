import express, { type Express, type RequestHandler } from 'express';
import type { z } from 'zod';
import type { ScoringConfig } from './config.js';
import { ScoringError } from './errors.js';
import { requireApiKey } from './http/auth.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { inSequence } from './http/in-sequence.js';
import { requestContext } from './http/request-context.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { monitoringReport, publishMonitoring, type DriftMeasure } from './monitoring/report.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelInfoRoutes } from './routes/model-info.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { openInferenceRoutes } from './routes/open-inference.js';
import { scoreRoutes } from './routes/score.js';
import type { ScoringService } from './scoring-service.js';

export interface AppDeps<T> {
  config: Pick<ScoringConfig, 'apiKeys' | 'adminToken' | 'bodyLimitBytes' | 'maxBatch' | 'explainAlerts'>;
  service: ScoringService<T>;
  /** The Transaction contract that validates `/v1/score` bodies. */
  transactionSchema: z.ZodType<T>;
  /** The contract's rule for transaction ids (feedback). */
  transactionIdSchema: z.ZodType<string | number>;
  /** A transaction `transactionSchema` surely accepts unchanged: the hot path skips the schema for it. */
  isPlainTransaction?: (value: unknown) => value is T;
  drift: DriftMeasure;
  logger: Logger;
  metrics: ServiceMetrics;
}

/** Answers 405 (with `Allow`) for a known path called with the wrong method. */
function methodNotAllowed(allowed: string): RequestHandler {
  return (req, res, next) => {
    res.setHeader('allow', allowed);
    next(new ScoringError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allowed}.`));
  };
}

/** The Express application: routes, authentication, body handling and error mapping. No listening socket. */
export function createApp<T>(deps: AppDeps<T>): Express {
  const { config, service, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Every request gets its context once: the hot path's inside its own handler (one router layer fewer), every
  // other request's from the app-level layer right after it.
  const context = requestContext(logger, metrics);

  // Draining refuses scoring requests that arrive from now on; one already received (its body may still be
  // uploading) is in flight and finishes, which is what a graceful shutdown promises.
  const refuseWhileDraining: RequestHandler = (_req, _res, next) => {
    next(
      service.isDraining
        ? new ScoringError('SHUTTING_DOWN', 'The service is shutting down; retry on another instance.')
        : undefined,
    );
  };
  const authenticated = requireApiKey(config.apiKeys);
  const scoring = scoreRoutes({
    service,
    transactionSchema: deps.transactionSchema,
    transactionIdSchema: deps.transactionIdSchema,
    isPlainTransaction: deps.isPlainTransaction,
    bodyLimitBytes: config.bodyLimitBytes,
    maxBatch: config.maxBatch,
    explainAlerts: config.explainAlerts,
  });
  // The hot path first: POST /v1/score matches no other route, and each router it passed would cost a path match.
  app.post('/v1/score', inSequence([context, refuseWhileDraining, authenticated, ...scoring.score]));
  app.use(context);

  const report = () =>
    monitoringReport(service.recent, service.labelled, service.champion.model, service.challenger.model, deps.drift);
  app.use(healthRoutes(service));
  app.use(metricsRoutes(metrics, () => publishMonitoring(report(), metrics)));
  app.use(adminRoutes(service, config.adminToken));

  app.post('/v2/models/:name/infer', refuseWhileDraining);
  app.use(['/v1', '/v2'], authenticated);
  app.use(scoring.feedback);
  app.use(modelInfoRoutes(service));
  app.use(monitoringRoutes(report));
  app.use(openInferenceRoutes(service, { bodyLimitBytes: config.bodyLimitBytes, maxBatch: config.maxBatch }));

  for (const path of ['/v1/score', '/v1/feedback', '/v2/models/:name/infer', '/admin/reload'])
    app.all(path, methodNotAllowed('POST'));
  for (const path of ['/v1/model', '/v1/monitoring', '/healthz', '/readyz', '/metrics', '/v2', '/v2/models/:name']) {
    app.all(path, methodNotAllowed('GET'));
  }

  app.use(notFound());
  app.use(errorHandler(config.bodyLimitBytes));
  return app;
}
