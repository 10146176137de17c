import type { ModelRef } from '../model/model-lifecycle.js';
import {
  resultAt,
  type ScoreAnswer,
  type ScoreResponse,
  type ScoredBatch,
  type ScoredTransaction,
} from '../scoring-service.js';

/** A number as `JSON.stringify` writes it. */
const jsonNumber = (value: number): string => (Number.isFinite(value) ? `${value}` : 'null');

const DECISION_JSON = { alert: '"alert"', pass: '"pass"' } as const;

/**
 * What stays the same from one answer to the next — the model's part of the answer and the threshold's text —
 * written once per model and threshold, not per request.
 */
let lastModel: ModelRef = { name: '', version: Number.NaN };
let lastHead = '';
let lastThreshold = Number.NaN;
let lastThresholdJson = 'null';

function head(model: ModelRef): string {
  if (model.name !== lastModel.name || model.version !== lastModel.version) {
    lastModel = { name: model.name, version: model.version };
    lastHead = `{"model":${JSON.stringify(model)},"results":[`;
  }
  return lastHead;
}

function thresholdJson(threshold: number): string {
  if (!Object.is(threshold, lastThreshold)) {
    lastThreshold = threshold;
    lastThresholdJson = jsonNumber(threshold);
  }
  return lastThresholdJson;
}

/**
 * The everyday result — exactly `transaction_id`, `probability`, `decision` and `threshold`, in that order —
 * written from its known shape; any other (late, explained, degraded) by `JSON.stringify`.
 */
function resultJson(result: ScoredTransaction): string {
  if (result.late !== undefined || result.reasons !== undefined || result.degraded !== undefined) {
    return JSON.stringify(result);
  }
  return everydayJson(result.transaction_id, result.probability, result.decision, result.threshold);
}

/** An everyday result's text from its four values. */
function everydayJson(id: string | number, probability: number, decision: 'alert' | 'pass', threshold: number): string {
  return (
    `{"transaction_id":${typeof id === 'number' ? jsonNumber(id) : JSON.stringify(id)},` +
    `"probability":${jsonNumber(probability)},"decision":${DECISION_JSON[decision]},` +
    `"threshold":${thresholdJson(threshold)}}`
  );
}

/**
 * `JSON.stringify(response)`, character for character, written from the response's schema: a thousand-row
 * answer is built in about half the time, since the serialiser need not discover each result's keys.
 */
export function scoreResponseJson(response: ScoreResponse): string {
  const { results } = response;
  let json = head(response.model);
  for (let i = 0; i < results.length; i++) json += (i === 0 ? '' : ',') + resultJson(results[i]);
  return `${json}]}`;
}

/**
 * `JSON.stringify` of the batch's result objects ({@link resultAt}), character for character, written from its
 * columns: an everyday row makes no object; a late or explained one is written from its object.
 */
export function scoredBatchJson(batch: ScoredBatch): string {
  const { probabilities, alerts, thresholds, late, reasons } = batch;
  let json = head(batch.model);
  for (let i = 0; i < batch.rows; i++) {
    if (i > 0) json += ',';
    json +=
      late[i] === 1 || reasons?.[i] !== undefined
        ? JSON.stringify(resultAt(batch, i))
        : everydayJson(batch.idOf(i), probabilities[i], alerts[i] === 1 ? 'alert' : 'pass', thresholds[i]);
  }
  return `${json}]}`;
}

/** The answer's JSON, whichever form the service gave it in. */
export function scoreAnswerJson(answer: ScoreAnswer): string {
  return 'results' in answer ? scoreResponseJson(answer) : scoredBatchJson(answer);
}
