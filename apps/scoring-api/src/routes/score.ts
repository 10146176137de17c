import { Router } from 'express';
import { z } from 'zod';
import { jsonBody } from '../http/json-body.js';
import { parseBody } from '../http/validation.js';
import type { ExplainRequest, ScoringService } from '../scoring-service.js';

export interface ScoreRouteOptions<T> {
  service: ScoringService<T>;
  /** The Transaction contract (one schema for files, the API and the simulator). */
  transactionSchema: z.ZodType<T>;
  /** The contract's rule for transaction ids (feedback refers to transactions by id). */
  transactionIdSchema: z.ZodType<string | number>;
  bodyLimitBytes: number;
  maxBatch: number;
  /** `EXPLAIN_ALERTS=top<k>`: reasons on every alert, k of them; undefined: only when a request asks. */
  explainAlerts?: number;
}

/** Reasons per explained result when the request says `"explain": true`. */
export const DEFAULT_REASONS = 3;

/** `POST /v1/score` and `POST /v1/feedback`: the stateful scoring API payment systems call. */
export function scoreRoutes<T>({ service, transactionSchema, transactionIdSchema, bodyLimitBytes, maxBatch, explainAlerts }: ScoreRouteOptions<T>): Router {
  const featureCount = service.features.spec.features.length;
  const scoreRequest = z.strictObject({
    transactions: z.array(transactionSchema).min(1).max(maxBatch),
    /** `true` (3 reasons) or `{"top": k}` on every result; `false` or absent: the server's EXPLAIN_ALERTS policy. */
    explain: z
      .union([z.boolean(), z.strictObject({ top: z.number().min(1).max(featureCount).refine(Number.isInteger, 'must be a whole number of reasons') })], {
        error: `must be true, false or {"top": k} with k from 1 to ${featureCount}`,
      })
      .optional(),
  });
  const alertPolicy: ExplainRequest | undefined = explainAlerts === undefined ? undefined : { top: Math.min(explainAlerts, featureCount), results: 'alerts' };
  const feedbackRequest = z.strictObject({
    labels: z
      .array(
        z.strictObject({
          transaction_id: transactionIdSchema,
          is_fraud: z.union([z.boolean(), z.literal(0).transform(() => false), z.literal(1).transform(() => true)]),
        }),
      )
      .min(1)
      .max(maxBatch),
  });
  const body = jsonBody(bodyLimitBytes);
  const router = Router();

  router.post('/v1/score', body, async (req, res) => {
    const { transactions, explain } = parseBody(scoreRequest, req.body, 'score request');
    const asked: ExplainRequest | undefined =
      explain === true ? { top: DEFAULT_REASONS, results: 'all' } : typeof explain === 'object' ? { top: explain.top, results: 'all' } : undefined;
    res.json(await service.score(transactions, asked ?? alertPolicy));
  });

  router.post('/v1/feedback', body, async (req, res) => {
    const { labels } = parseBody(feedbackRequest, req.body, 'feedback request');
    res.json(await service.feedback(labels));
  });

  return router;
}
