import { yieldToEventLoop } from '../mutex.js';
import type { ServedModel } from './served-model.js';

/**
 * Scores `rows` feature vectors (row-major) with `model`, at most `chunkRows` per call and yielding to the
 * event loop between calls, so a large batch never holds other requests back for long.
 */
export async function scoreInChunks(model: ServedModel, vectors: Float32Array, rows: number, chunkRows: number): Promise<Float32Array> {
  const width = model.featureSpec.features.length;
  if (rows <= chunkRows) return checkedScores(await model.score(vectors.subarray(0, rows * width), rows), rows);
  const out = new Float32Array(rows);
  for (let start = 0; start < rows; start += chunkRows) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(rows, start + chunkRows);
    out.set(checkedScores(await model.score(vectors.subarray(start * width, end * width), end - start), end - start), start);
  }
  return out;
}

/** A model that returns the wrong number of rows is broken, not the client's fault. */
function checkedScores(scores: Float32Array, rows: number): Float32Array {
  if (scores.length !== rows) throw new Error(`the model returned ${scores.length} scores for ${rows} rows`);
  return scores;
}
