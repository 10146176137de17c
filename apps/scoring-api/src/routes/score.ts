import { Router } from 'express';
import { z } from 'zod';
import { jsonBody } from '../http/json-body.js';
import { parseBody } from '../http/validation.js';
import type { ScoringService } from '../scoring-service.js';

export interface ScoreRouteOptions<T> {
  service: ScoringService<T>;
  /** The Transaction contract (one schema for files, the API and the simulator). */
  transactionSchema: z.ZodType<T>;
  /** The contract's rule for transaction ids (feedback refers to transactions by id). */
  transactionIdSchema: z.ZodType<string | number>;
  bodyLimitBytes: number;
  maxBatch: number;
}

/** `POST /v1/score` and `POST /v1/feedback`: the stateful scoring API payment systems call. */
export function scoreRoutes<T>({ service, transactionSchema, transactionIdSchema, bodyLimitBytes, maxBatch }: ScoreRouteOptions<T>): Router {
  const scoreRequest = z.strictObject({ transactions: z.array(transactionSchema).min(1).max(maxBatch) });
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
    const { transactions } = parseBody(scoreRequest, req.body, 'score request');
    res.json(await service.score(transactions));
  });

  router.post('/v1/feedback', body, async (req, res) => {
    const { labels } = parseBody(feedbackRequest, req.body, 'feedback request');
    res.json(await service.feedback(labels));
  });

  return router;
}
