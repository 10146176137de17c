import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { jsonBody } from '../http/json-body.js';
import { parseBody } from '../http/validation.js';
import type { ExplainRequest, ScoringService } from '../scoring-service.js';
import { scoreAnswerJson } from './score-json.js';

export interface ScoreRouteOptions<T> {
  service: ScoringService<T>;
  /** The Transaction contract (one schema for files, the API and the simulator). */
  transactionSchema: z.ZodType<T>;
  /** The contract's rule for transaction ids (feedback refers to transactions by id). */
  transactionIdSchema: z.ZodType<string | number>;
  /**
   * True for a transaction the schema surely accepts unchanged (the contract's everyday form): such bodies skip
   * the schema on the hot path; any other goes through it, which parses or names every bad field.
   */
  isPlainTransaction?: (value: unknown) => value is T;
  bodyLimitBytes: number;
  maxBatch: number;
  /** `EXPLAIN_ALERTS=top<k>`: reasons on every alert, k of them; undefined: only when a request asks. */
  explainAlerts?: number;
}

/** Reasons per explained result when the request says `"explain": true`. */
export const DEFAULT_REASONS = 3;

/** The stateful scoring API payment systems call. */
export interface ScoreRoutes {
  /** `POST /v1/score`: body parser and handler, for the app to mount ahead of its other routes (the hot path). */
  score: RequestHandler[];
  /** `POST /v1/feedback`. */
  feedback: Router;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Sends a JSON answer without Express's `res.send` negotiation (content type lookup, ETag, freshness): a POST needs none. */
function sendJson(res: Response, body: unknown): void {
  sendJsonText(res, JSON.stringify(body));
}

function sendJsonText(res: Response, json: string): void {
  res.setHeader('content-type', JSON_CONTENT_TYPE);
  res.end(json);
}

/** `POST /v1/score` and `POST /v1/feedback`. */
// eslint-disable-next-line max-lines-per-function -- a route table: score and feedback handlers sharing the service and schemas
export function scoreRoutes<T>({
  service,
  transactionSchema,
  transactionIdSchema,
  bodyLimitBytes,
  maxBatch,
  explainAlerts,
  isPlainTransaction,
}: ScoreRouteOptions<T>): ScoreRoutes {
  const featureCount = service.features.spec.features.length;
  const scoreRequest = z.strictObject({
    transactions: z.array(transactionSchema).min(1).max(maxBatch),
    /** `true` (3 reasons) or `{"top": k}` on every result; `false` or absent: the server's EXPLAIN_ALERTS policy. */
    explain: z
      .union(
        [
          z.boolean(),
          z.strictObject({
            top: z.number().min(1).max(featureCount).refine(Number.isInteger, 'must be a whole number of reasons'),
          }),
        ],
        {
          error: `must be true, false or {"top": k} with k from 1 to ${featureCount}`,
        },
      )
      .optional(),
  });
  const alertPolicy: ExplainRequest | undefined =
    explainAlerts === undefined ? undefined : { top: Math.min(explainAlerts, featureCount), results: 'alerts' };
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
  // The everyday body — only `transactions` (every one plain) and at most a boolean `explain` — is taken as it
  // is; anything else goes through the schema, whose answer (or field-by-field refusal) it would have got anyway.
  const plainBody = (body: unknown): body is { transactions: T[]; explain?: boolean } => {
    if (!isPlainTransaction || typeof body !== 'object' || body === null || Array.isArray(body)) return false;
    for (const key in body) if (key !== 'transactions' && key !== 'explain') return false;
    const { transactions, explain } = body as { transactions?: unknown; explain?: unknown };
    if (explain !== undefined && typeof explain !== 'boolean') return false;
    if (!Array.isArray(transactions) || transactions.length < 1 || transactions.length > maxBatch) return false;
    for (let i = 0; i < transactions.length; i++) if (!isPlainTransaction(transactions[i])) return false;
    return true;
  };
  const body = jsonBody(bodyLimitBytes);
  const score: RequestHandler = (req, res, next) => {
    const { transactions, explain } = plainBody(req.body)
      ? req.body
      : parseBody(scoreRequest, req.body, 'score request');
    const asked: ExplainRequest | undefined =
      explain === true
        ? { top: DEFAULT_REASONS, results: 'all' }
        : typeof explain === 'object'
          ? { top: explain.top, results: 'all' }
          : undefined;
    // Answered at once when the service can (no promise hop), else when its promise settles.
    const response = service.scoreNow(transactions, asked ?? alertPolicy);
    if (response instanceof Promise) response.then((answer) => sendJsonText(res, scoreAnswerJson(answer)), next);
    else sendJsonText(res, scoreAnswerJson(response));
  };

  const feedback = Router();
  feedback.post('/v1/feedback', body, async (req, res) => {
    const { labels } = parseBody(feedbackRequest, req.body, 'feedback request');
    sendJson(res, await service.feedback(labels));
  });

  return { score: [body, score], feedback };
}
