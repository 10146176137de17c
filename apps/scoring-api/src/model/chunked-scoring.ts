import { yieldToEventLoop } from '../mutex.js';
import type { ServedModel } from './served-model.js';

/** Which predictor scored rows: the in-process TypeScript trees or onnxruntime (`scoring_inference_rows_total{path}`). */
export type InferencePath = 'typescript' | 'onnxruntime';

/** Told how many rows each path scored. */
export type InferenceCounter = (path: InferencePath, rows: number) => void;

/**
 * Scores `rows` feature vectors (row-major) with `model`: by the model's in-process predictor when it has one
 * that takes batches this large (a compiled ensemble takes any; a node table at most
 * `IN_PROCESS_MAX_ROWS` rows), else by onnxruntime; at most `chunkRows` rows per call either way, yielding
 * to the event loop between calls so that a large batch never holds other requests back for long.
 */
export async function scoreInChunks(
  model: ServedModel,
  vectors: Float32Array,
  rows: number,
  chunkRows: number,
  count?: InferenceCounter,
): Promise<Float32Array> {
  const width = model.featureSpec.features.length;
  const inProcess = inProcessFor(model, rows);
  count?.(inProcess ? 'typescript' : 'onnxruntime', rows);
  const chunk = async (start: number, end: number) =>
    checkedScores(
      inProcess
        ? inProcess(vectors.subarray(start * width, end * width), end - start)
        : await model.score(vectors.subarray(start * width, end * width), end - start),
      end - start,
    );
  if (rows <= chunkRows) return chunk(0, rows);
  const out = new Float32Array(rows);
  for (let start = 0; start < rows; start += chunkRows) {
    if (start > 0) await yieldToEventLoop();
    out.set(await chunk(start, Math.min(rows, start + chunkRows)), start);
  }
  return out;
}

/**
 * The in-process predictor's scores, synchronously, when {@link scoreInChunks} would use it and the batch is
 * one call (at most `chunkRows` rows, and no more than the predictor takes); undefined otherwise.
 */
export function scoreInProcess(
  model: ServedModel,
  vectors: Float32Array,
  rows: number,
  chunkRows: number,
  count?: InferenceCounter,
): Float32Array | undefined {
  const predictor = inProcessFor(model, rows);
  if (!predictor || rows > chunkRows) return undefined;
  const scores = checkedScores(predictor(vectors, rows), rows);
  count?.('typescript', rows);
  return scores;
}

/** The model's in-process predictor when it takes a batch of `rows` rows (see `InProcessPredictor.maxRows`). */
function inProcessFor(model: ServedModel, rows: number): ServedModel['predictInProcess'] {
  const predictor = model.predictInProcess;
  return predictor && rows <= predictor.maxRows ? predictor : undefined;
}

/** A model that returns the wrong number of rows is broken, not the client's fault. */
function checkedScores(scores: Float32Array, rows: number): Float32Array {
  if (scores.length !== rows) throw new Error(`the model returned ${scores.length} scores for ${rows} rows`);
  return scores;
}
