import type { ScoreResponse, ScoredTransaction } from '../scoring-service.js';

/** A number as `JSON.stringify` writes it. */
const jsonNumber = (value: number): string => (Number.isFinite(value) ? `${value}` : 'null');

/**
 * The everyday result — exactly `transaction_id`, `probability`, `decision` and `threshold`, in that order —
 * written from its known shape; any other (late, explained, degraded) by `JSON.stringify`.
 */
function resultJson(result: ScoredTransaction): string {
  if (result.late !== undefined || result.reasons !== undefined || result.degraded !== undefined) {
    return JSON.stringify(result);
  }
  const id = result.transaction_id;
  return (
    `{"transaction_id":${typeof id === 'number' ? jsonNumber(id) : JSON.stringify(id)},` +
    `"probability":${jsonNumber(result.probability)},"decision":${JSON.stringify(result.decision)},` +
    `"threshold":${jsonNumber(result.threshold)}}`
  );
}

/**
 * `JSON.stringify(response)`, character for character, written from the response's schema: a thousand-row
 * answer is built in about half the time, since the serialiser need not discover each result's keys.
 */
export function scoreResponseJson(response: ScoreResponse): string {
  const { results } = response;
  let json = `{"model":${JSON.stringify(response.model)},"results":[`;
  for (let i = 0; i < results.length; i++) json += (i === 0 ? '' : ',') + resultJson(results[i]);
  return `${json}]}`;
}
