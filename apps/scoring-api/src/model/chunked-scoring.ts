import { yieldToEventLoop } from '../mutex.js';
import { IN_PROCESS_MAX_ROWS } from './in-process-predictor.js';
import type { ServedModel } from './served-model.js';

/** Which predictor scored rows: the in-process TypeScript trees or onnxruntime (`scoring_inference_rows_total{path}`). */
export type InferencePath = 'typescript' | 'onnxruntime';

/** Told how many rows each path scored. */
export type InferenceCounter = (path: InferencePath, rows: number) => void;

/**
 * Scores `rows` feature vectors (row-major) with `model`: a batch of at most {@link IN_PROCESS_MAX_ROWS} rows
 * synchronously by the model's in-process predictor when it has one, anything else by onnxruntime at most
 * `chunkRows` per call, yielding to the event loop between calls so that a large batch never holds other
 * requests back for long.
 */
export async function scoreInChunks(
  model: ServedModel,
  vectors: Float32Array,
  rows: number,
  chunkRows: number,
  count?: InferenceCounter,
): Promise<Float32Array> {
  const inProcess = scoreInProcess(model, vectors, rows, count);
  if (inProcess) return inProcess;
  const width = model.featureSpec.features.length;
  count?.('onnxruntime', rows);
  if (rows <= chunkRows) return checkedScores(await model.score(vectors.subarray(0, rows * width), rows), rows);
  const out = new Float32Array(rows);
  for (let start = 0; start < rows; start += chunkRows) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(rows, start + chunkRows);
    out.set(
      checkedScores(await model.score(vectors.subarray(start * width, end * width), end - start), end - start),
      start,
    );
  }
  return out;
}

/**
 * The in-process predictor's scores, synchronously, when {@link scoreInChunks} would use it (at most
 * {@link IN_PROCESS_MAX_ROWS} rows and a model that has one); undefined otherwise.
 */
export function scoreInProcess(
  model: ServedModel,
  vectors: Float32Array,
  rows: number,
  count?: InferenceCounter,
): Float32Array | undefined {
  if (rows > IN_PROCESS_MAX_ROWS || !model.predictInProcess) return undefined;
  const scores = checkedScores(model.predictInProcess(vectors, rows), rows);
  count?.('typescript', rows);
  return scores;
}

/** A model that returns the wrong number of rows is broken, not the client's fault. */
function checkedScores(scores: Float32Array, rows: number): Float32Array {
  if (scores.length !== rows) throw new Error(`the model returned ${scores.length} scores for ${rows} rows`);
  return scores;
}
